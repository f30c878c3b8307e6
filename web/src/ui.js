// Small DOM helpers: elements without innerHTML, labelled fields with their hints and errors,
// forms that show they are working, lists that are tables on a desk and labelled cards on a phone.
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === null || value === undefined) continue;
    if (name.startsWith('on')) element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, value === true ? '' : value);
  }
  for (const child of children.flat(Infinity)) {
    if (child !== null && child !== undefined && child !== false) element.append(child);
  }
  return element;
}

export const fieldId = (name) => `f-${name.replace(/[^a-z0-9_-]/gi, '-')}`;

// A labelled input; `hint` is said before typing (an example, the rules), its error (from the
// API's `fields`) under it, both tied to it by aria-describedby.
export function field(name, label, attributes = {}) {
  const id = fieldId(attributes.prefix ? `${attributes.prefix}-${name}` : name);
  const hint = attributes.hint ? h('p', { class: 'hint', id: `${id}-hint` }, attributes.hint) : null;
  const described = [hint && `${id}-hint`, `${id}-error`].filter(Boolean).join(' ');
  const control = attributes.options
    ? h('select', { id, name, 'aria-describedby': described }, attributes.options.map(([value, text]) =>
        h('option', { value, selected: value === attributes.value }, text)))
    : h(attributes.multiline ? 'textarea' : 'input', {
        id,
        name,
        type: attributes.multiline ? null : attributes.type || 'text',
        autocomplete: attributes.autocomplete,
        inputmode: attributes.inputmode,
        required: attributes.required,
        maxlength: attributes.maxlength,
        'aria-describedby': described,
      });
  if (!attributes.options && attributes.value) control.value = attributes.value;
  return h('div', { class: 'field' }, h('label', { for: id }, label), hint, control, h('p', { class: 'field-error', id: `${id}-error` }));
}

export function checkbox(name, label, checked = false) {
  const id = fieldId(name);
  return h(
    'div',
    { class: 'field checkbox' },
    h('input', { id, name, type: 'checkbox', checked, 'aria-describedby': `${id}-error` }),
    h('label', { for: id }, label),
    h('p', { class: 'field-error', id: `${id}-error` }),
  );
}

// A set of choices (radio buttons) under a legend.
export function choices(name, legend, options, chosen) {
  return h('fieldset', { class: 'choices' }, h('legend', {}, legend), options.map(([value, text]) => {
    const id = fieldId(`${name}-${value}`);
    return h('div', { class: 'field checkbox' },
      h('input', { id, name, type: 'radio', value, checked: value === chosen }), h('label', { for: id }, text));
  }));
}

export function values(form) {
  const data = {};
  for (const element of form.elements) {
    if (!element.name || (element.type === 'radio' && !element.checked)) continue;
    data[element.name] = element.type === 'checkbox' ? element.checked : element.value.trim();
  }
  return data;
}

// Shows an error: on each field it names (the first one focused, its message read with it),
// else once at the top of the form (an alert).
export function showErrors(form, error, fallback) {
  for (const paragraph of form.querySelectorAll('.field-error')) paragraph.textContent = '';
  for (const input of form.querySelectorAll('[aria-invalid]')) input.removeAttribute('aria-invalid');
  const alert = form.querySelector('.form-error');
  alert.textContent = '';
  let placed = false;
  for (const { field: name, message } of error.fields || []) {
    const input = form.querySelector(`[name="${CSS.escape(name)}"]`);
    if (!input) continue;
    input.setAttribute('aria-invalid', 'true');
    form.querySelector(`#${input.id}-error`).textContent = message;
    if (!placed) input.focus();
    placed = true;
  }
  if (!placed) alert.textContent = error.message || fallback;
}

// A form whose submit button says it is working (and cannot be pressed twice) until `onsubmit`
// is done.
export function form(onsubmit, submitLabel, busyLabel, ...children) {
  const element = h('form', { novalidate: true }, h('p', { class: 'form-error', role: 'alert' }), ...children,
    h('button', { type: 'submit' }, submitLabel));
  element.addEventListener('submit', async (event) => {
    event.preventDefault();
    const button = element.querySelector('button[type=submit]');
    if (button.disabled) return;
    await working(button, busyLabel, () => onsubmit(values(element), element));
  });
  return element;
}

// Runs `action` while `button` says `busyLabel` and cannot be pressed.
export async function working(button, busyLabel, action) {
  const label = button.textContent;
  button.disabled = true;
  button.textContent = busyLabel;
  button.closest('form, section, main')?.setAttribute('aria-busy', 'true');
  try {
    return await action();
  } finally {
    button.disabled = false;
    if (button.textContent === busyLabel) button.textContent = label;
    button.closest('form, section, main')?.removeAttribute('aria-busy');
  }
}

// Rows as a table: on a phone each row is a card whose cells carry their column's name
// (data-label, style.css). Explicit roles keep it a table for screen readers either way.
export function records(headers, rows) {
  return h(
    'table',
    { class: 'records', role: 'table' },
    h('thead', { role: 'rowgroup' }, h('tr', { role: 'row' }, headers.map((text) => h('th', { scope: 'col', role: 'columnheader' }, text)))),
    h('tbody', { role: 'rowgroup' }, rows.map((cells) =>
      h('tr', { role: 'row' }, cells.map((cell, n) => h('td', { role: 'cell', 'data-label': headers[n] }, cell))))),
  );
}

// Name and value pairs.
export const pairs = (rows, className = 'pairs') =>
  h('dl', { class: className }, rows.filter(Boolean).map(([name, value]) => h('div', {}, h('dt', {}, name), h('dd', {}, value))));
