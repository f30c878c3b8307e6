// Every value the API answers with, as words in both languages: the page never shows a code. A
// value without words here reads as its kind's neutral sentence (`other`), never as itself.
const w = (vi, en) => ({ vi, en });

export const WORDS = {
  accountStatus: {
    ACTIVE: w('Đang hoạt động', 'Active'),
    CLOSING: w('Đang đóng (chờ xoá)', 'Closing (awaiting erasure)'),
    ERASED: w('Đã xoá', 'Erased'),
    other: w('Trạng thái khác', 'Another state'),
  },
  editStatus: {
    PENDING_VERIFICATION: w('Chờ bạn nhập mã xác minh', 'Waiting for your code'),
    PENDING_REVIEW: w('Chờ nhân viên duyệt', 'Waiting for our review'),
    WITHDRAWN: w('Bạn đã rút lại', 'Withdrawn by you'),
    APPLIED: w('Đã duyệt và áp dụng', 'Approved and applied'),
    REJECTED: w('Bị từ chối', 'Rejected'),
    other: w('Đang xử lý', 'Being handled'),
  },
  contractStatus: {
    ACTIVE: w('Đang hiệu lực', 'Active'),
    EXPIRED: w('Đã hết hạn', 'Expired'),
    other: w('Trạng thái khác', 'Another state'),
  },
  complaintStatus: {
    OPEN: w('Đã nhận, chờ xử lý', 'Received, waiting'),
    IN_PROGRESS: w('Đang xử lý', 'Being handled'),
    RESOLVED: w('Đã giải quyết', 'Resolved'),
    REJECTED: w('Không được chấp nhận', 'Not upheld'),
    other: w('Đang xử lý', 'Being handled'),
  },
  complaintCategory: {
    privacy: w('Quyền riêng tư', 'Privacy'),
    billing: w('Thanh toán', 'Billing'),
    service: w('Dịch vụ', 'Service'),
    other: w('Vấn đề khác', 'Something else'),
  },
  plan: {
    free: w('Gói miễn phí', 'Free plan'),
    basic: w('Gói Cơ bản', 'Basic plan'),
    pro: w('Gói Chuyên nghiệp (Pro)', 'Pro plan'),
    business: w('Gói Doanh nghiệp', 'Business plan'),
    enterprise: w('Gói Doanh nghiệp lớn', 'Enterprise plan'),
    other: w('Một gói dịch vụ OnGPT', 'An OnGPT plan'),
  },
  // What a customer may switch on and off (API.md: PUT /v1/me/consents/{purpose}).
  consent: {
    marketing: w('Nhận thông tin tiếp thị', 'Marketing messages'),
    product_updates: w('Nhận tin cập nhật sản phẩm', 'Product updates'),
    third_party_sharing: w('Chia sẻ dữ liệu với {recipient}', 'Sharing my data with {recipient}'),
    other: w('Một sự đồng ý khác', 'Another consent'),
  },
  // The documents a customer accepted at registration.
  document: {
    privacy_policy: w('Chính sách quyền riêng tư', 'Privacy policy'),
    terms: w('Điều khoản sử dụng', 'Terms of use'),
    other: w('Một văn bản khác', 'Another document'),
  },
  // Who receives disclosed data (API.md: recipient slugs). A slug not listed reads as `other`.
  recipient: {
    'cong-an': w('Cơ quan công an', 'The police'),
    'toa-an': w('Toà án', 'A court'),
    'bo-cong-an': w('Bộ Công an', 'The Ministry of Public Security'),
    'acme-bank': w('Ngân hàng Acme (đối tác thanh toán)', 'Acme Bank (payment partner)'),
    other: w('một bên nhận khác (hãy hỏi chúng tôi tên của họ)', 'another recipient (ask us for their name)'),
  },
  legalBasis: {
    consent: w('Theo sự đồng ý của bạn', 'With your consent'),
    legal_obligation: w('Theo yêu cầu của pháp luật', 'Required by law'),
    other: w('Một cơ sở pháp lý khác', 'Another legal basis'),
  },
  dataCategory: {
    contact: w('Thông tin liên hệ', 'Contact details'),
    profile: w('Hồ sơ', 'Profile'),
    contracts: w('Hợp đồng', 'Contracts'),
    complaints: w('Khiếu nại', 'Complaints'),
    consents: w('Sự đồng ý', 'Consents'),
    other: w('Dữ liệu khác', 'Other data'),
  },
  notice: {
    registration_code: w('Mã xác minh khi đăng ký', 'Registration code'),
    account_exists: w('Báo có người đăng ký bằng địa chỉ của bạn', 'Someone signed up with your address'),
    change_code: w('Mã xác minh địa chỉ mới', 'Code for a new address'),
    profile_changed: w('Báo thông tin liên hệ đã thay đổi', 'Contact details changed'),
    contract_confirmation: w('Xác nhận hợp đồng', 'Contract confirmation'),
    renewal_invitation: w('Nhắc gia hạn', 'Renewal reminder'),
    complaint_outcome: w('Kết quả khiếu nại', 'Complaint outcome'),
    complaint_receipt: w('Xác nhận đã nhận khiếu nại', 'Complaint received'),
    product_update: w('Tin cập nhật sản phẩm', 'Product update'),
    service_change: w('Thông báo thay đổi dịch vụ', 'Service change'),
    recovery_code: w('Mã khôi phục tài khoản', 'Account recovery code'),
    account_recovered: w('Báo tài khoản đã được khôi phục', 'Account recovered'),
    account_closing: w('Báo tài khoản đang được đóng', 'Account closing'),
    account_reactivated: w('Báo tài khoản đã được mở lại', 'Account reopened'),
    other: w('Một thông báo từ OnGPT', 'A message from OnGPT'),
  },
  channel: {
    email: w('Email', 'Email'),
    sms: w('Tin nhắn SMS', 'Text message (SMS)'),
    other: w('Kênh khác', 'Another channel'),
  },
  language: {
    vi: w('Tiếng Việt', 'Vietnamese'),
    en: w('Tiếng Anh', 'English'),
    other: w('Ngôn ngữ khác', 'Another language'),
  },
  // Staff, by role: who looked, never by name (API.md: GET /v1/me/access-log).
  role: {
    support: w('Nhân viên hỗ trợ khách hàng', 'A customer support agent'),
    compliance: w('Nhân viên tuân thủ pháp lý', 'A compliance officer'),
    admin: w('Quản trị viên', 'An administrator'),
    other: w('Một nhân viên OnGPT', 'A member of OnGPT staff'),
  },
  // Why staff looked (API.md: Staff, purposes).
  staffPurpose: {
    customer_support: w('để hỗ trợ bạn', 'to support you'),
    contract_delivery: w('để lập hoặc gia hạn hợp đồng của bạn', 'to deliver or renew your contract'),
    complaint_resolution: w('để giải quyết khiếu nại', 'to resolve a complaint'),
    legal_request: w('theo yêu cầu của cơ quan có thẩm quyền', 'for a request from an authority'),
    other: w('vì một lý do được ghi lại', 'for a recorded reason'),
  },
  // What staff did (the audit log's actions).
  staffAction: {
    'customer.read': w('Xem hồ sơ (đã che bớt)', 'Viewed your profile (masked)'),
    'customer.reveal': w('Xem hồ sơ đầy đủ', 'Viewed your full profile'),
    'customer.search': w('Tìm tài khoản của bạn', 'Looked your account up'),
    'edit_request.view': w('Xem yêu cầu chỉnh sửa', 'Viewed an edit request'),
    'edit_request.approve': w('Duyệt yêu cầu chỉnh sửa', 'Approved an edit request'),
    'edit_request.reject': w('Từ chối yêu cầu chỉnh sửa', 'Rejected an edit request'),
    'complaint.read': w('Xem khiếu nại', 'Viewed a complaint'),
    'complaint.in_progress': w('Bắt đầu xử lý khiếu nại', 'Started on a complaint'),
    'complaint.resolved': w('Giải quyết khiếu nại', 'Resolved a complaint'),
    'complaint.rejected': w('Kết luận khiếu nại', 'Closed a complaint'),
    'contract.create': w('Lập hợp đồng', 'Created a contract'),
    'contract.renew': w('Gia hạn hợp đồng', 'Renewed a contract'),
    'disclosure.record': w('Ghi lại việc chia sẻ dữ liệu', 'Recorded a disclosure'),
    'audit.read': w('Xem nhật ký truy cập', 'Read the access log'),
    'account.reactivate': w('Mở lại tài khoản', 'Reopened the account'),
    other: w('Xem hoặc xử lý dữ liệu của bạn', 'Viewed or handled your data'),
  },
  // What the policy uses data for (GET /v1/policy: purposes).
  policyPurpose: {
    account_access: w('Quản lý tài khoản và cấp quyền dùng sản phẩm, dịch vụ', 'Running your account and giving you access to our products and services'),
    contract_delivery: w('Xác nhận và thực hiện hợp đồng', 'Confirming and delivering your contracts'),
    service_updates: w('Báo cho bạn các cập nhật hoặc thay đổi của sản phẩm, dịch vụ', 'Telling you about updates or changes to our products and services'),
    renewal_invitations: w('Mời bạn nâng cấp hoặc gia hạn khi dịch vụ sắp hết hạn', 'Inviting you to upgrade or renew when a service is about to end'),
    customer_care: w('Chăm sóc và hỗ trợ khách hàng', 'Customer care and support'),
    complaint_resolution: w('Giải quyết khiếu nại và tranh chấp', 'Resolving complaints and disputes'),
    other: w('Một mục đích khác ghi trong chính sách', 'Another purpose named in the policy'),
  },
  // The API's error codes (API.md), as what the customer can do about them.
  error: {
    INVALID_CODE: w('Mã không đúng. Vui lòng kiểm tra lại.', 'That code is not right. Please check it.'),
    EXPIRED: w('Mã đã hết hạn (mã có hiệu lực 10 phút). Hãy gửi lại mã.', 'The code has expired (codes last 10 minutes). Send the codes again.'),
    TOO_MANY_ATTEMPTS: w('Đã nhập sai quá nhiều lần. Hãy bắt đầu lại để nhận mã mới.', 'Too many wrong tries. Start again to get new codes.'),
    TOO_MANY_REQUESTS: w('Bạn đã gửi quá nhiều yêu cầu. Vui lòng thử lại sau.', 'Too many requests. Please try again later.'),
    TOO_MANY_OPEN: w('Bạn đã có 3 yêu cầu đang chờ. Hãy đợi chúng được xử lý hoặc rút lại một yêu cầu.', 'You already have 3 requests open. Wait for them or withdraw one.'),
    ALREADY_REGISTERED: w('Email hoặc số điện thoại này đã được dùng cho một tài khoản khác.', 'This email or phone number is already used by another account.'),
    POLICY_VERSION_MISMATCH: w('Chính sách vừa được cập nhật. Vui lòng tải lại trang và đọc lại.', 'The policy has just changed. Please reload the page and read it again.'),
    CONFLICT: w('Việc này không còn phù hợp với trạng thái hiện tại. Vui lòng tải lại trang.', 'This no longer fits the current state. Please reload the page.'),
    SERVICE_UNAVAILABLE: w('Dịch vụ tạm thời gián đoạn. Vui lòng thử lại sau ít phút.', 'The service is briefly unavailable. Please try again in a few minutes.'),
    WEAK_PASSWORD: w('Mật khẩu chưa đủ mạnh: xem các yêu cầu bên dưới.', 'The password is not strong enough: see the rules below.'),
    VALIDATION_ERROR: w('Có thông tin chưa hợp lệ. Vui lòng kiểm tra lại.', 'Something is not valid. Please check it.'),
    NOT_FOUND: w('Không tìm thấy. Có thể nó đã được xoá hoặc đã xong.', 'Not found. It may have been removed or finished.'),
    ACCOUNT_CLOSING: w('Tài khoản đang được đóng nên không thể làm việc này.', 'The account is closing, so this cannot be done.'),
    CONSENT_REQUIRED: w('Việc này cần sự đồng ý của bạn.', 'This needs your consent.'),
    ERASED: w('Dữ liệu này đã bị xoá.', 'This data has been erased.'),
    FORBIDDEN: w('Bạn không có quyền làm việc này.', 'You may not do this.'),
    INVALID_CURSOR: w('Danh sách đã thay đổi. Vui lòng tải lại trang.', 'The list has changed. Please reload the page.'),
    other: w('Đã có lỗi. Vui lòng thử lại.', 'Something went wrong. Please try again.'),
  },
};

// `value` of `kind` as words in `lang`; a value without words reads as the kind's neutral sentence.
export function say(kind, value, lang) {
  const words = WORDS[kind];
  const known = Object.hasOwn(words, value) && value !== 'other' ? words[value] : words.other;
  return known[lang];
}

// A plan as words: plans are names staff type ("Pro", "business"), matched without case.
export const planOf = (plan, lang) => say('plan', String(plan || '').trim().toLowerCase(), lang);

// A consent purpose as words: third_party_sharing:{recipient} names the recipient in words.
export function consentOf(purpose, lang) {
  const [kind, recipient] = String(purpose).split(':');
  return say('consent', kind, lang).replace('{recipient}', say('recipient', recipient, lang));
}
