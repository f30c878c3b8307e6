// Small DOM helpers: elements without innerHTML, labelled fields, errors next to their field.
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

const fieldId = (name) => `f-${name.replace(/[^a-z0-9_-]/gi, '-')}`;

// A labelled input; its error (from the API's `fields`) is shown under it and announced.
export function field(name, label, attributes = {}) {
  const id = fieldId(name);
  const control = attributes.options
    ? h('select', { id, name }, attributes.options.map(([value, text]) => h('option', { value }, text)))
    : h(attributes.multiline ? 'textarea' : 'input', {
        id,
        name,
        type: attributes.type || 'text',
        autocomplete: attributes.autocomplete,
        inputmode: attributes.inputmode,
        required: attributes.required,
        maxlength: attributes.maxlength,
        pattern: attributes.pattern,
        value: attributes.value,
        'aria-describedby': `${id}-error`,
      });
  return h(
    'div',
    { class: 'field' },
    h('label', { for: id }, label),
    control,
    h('p', { class: 'field-error', id: `${id}-error`, role: 'status' }),
  );
}

export function checkbox(name, label, checked = false) {
  const id = fieldId(name);
  return h(
    'div',
    { class: 'field checkbox' },
    h('input', { id, name, type: 'checkbox', checked, 'aria-describedby': `${id}-error` }),
    h('label', { for: id }, label),
    h('p', { class: 'field-error', id: `${id}-error`, role: 'status' }),
  );
}

export function values(form) {
  const data = {};
  for (const element of form.elements) {
    if (!element.name) continue;
    data[element.name] = element.type === 'checkbox' ? element.checked : element.value.trim();
  }
  return data;
}

// Shows an error: on each field the API names, else at the top of the form.
export function showErrors(form, error, fallback) {
  for (const paragraph of form.querySelectorAll('.field-error')) paragraph.textContent = '';
  for (const input of form.querySelectorAll('[aria-invalid]')) input.removeAttribute('aria-invalid');
  const alert = form.querySelector('.form-error');
  alert.textContent = '';
  let placed = false;
  for (const { field: name, message } of error.fields || []) {
    const input = form.querySelector(`#${fieldId(name)}`);
    if (!input) continue;
    input.setAttribute('aria-invalid', 'true');
    form.querySelector(`#${fieldId(name)}-error`).textContent = message;
    if (!placed) input.focus();
    placed = true;
  }
  if (!placed) alert.textContent = error.message || fallback;
}

export function form(onsubmit, submitLabel, ...children) {
  const element = h(
    'form',
    { novalidate: true },
    h('p', { class: 'form-error', role: 'alert' }),
    ...children,
    h('button', { type: 'submit' }, submitLabel),
  );
  element.addEventListener('submit', async (event) => {
    event.preventDefault();
    const button = element.querySelector('button[type=submit]');
    button.disabled = true;
    try {
      await onsubmit(values(element), element);
    } finally {
      button.disabled = false;
    }
  });
  return element;
}

export function table(headers, rows) {
  return h(
    'table',
    {},
    h('thead', {}, h('tr', {}, headers.map((text) => h('th', { scope: 'col' }, text)))),
    h('tbody', {}, rows.map((cells) => h('tr', {}, cells.map((cell) => h('td', {}, cell))))),
  );
}
