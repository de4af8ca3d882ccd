import { z } from 'zod';

/**
 * The closed set of error codes the API can answer with. Each code maps to one HTTP status and a message in
 * zh-CN and en; clients branch on `code`, never on the wording. Codes are stable: rename one and clients break.
 */
export const errorCatalog = {
  // generic
  VALIDATION_FAILED: { status: 400, zh: '请求内容不符合要求', en: 'The request is not valid' },
  MALFORMED_REQUEST: { status: 400, zh: '请求无法解析', en: 'The request could not be parsed' },
  UNAUTHENTICATED: { status: 401, zh: '请先登录', en: 'Authentication is required' },
  SESSION_EXPIRED: { status: 401, zh: '登录已过期，请重新登录', en: 'The session has expired' },
  FORBIDDEN: { status: 403, zh: '无权执行此操作', en: 'This action is not permitted for your role' },
  NOT_FOUND: { status: 404, zh: '未找到对应记录', en: 'Not found' },
  INVALID_STATE: { status: 409, zh: '当前状态下不能执行此操作', en: 'The record is not in a state that allows this action' },
  CONFLICT: { status: 409, zh: '记录已被其他操作修改，请重试', en: 'The record was changed by another request' },
  PAYLOAD_TOO_LARGE: { status: 413, zh: '请求内容过大', en: 'The request body is too large' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, zh: '不支持的请求格式', en: 'Unsupported media type' },
  RATE_LIMITED: { status: 429, zh: '操作过于频繁，请稍后再试', en: 'Too many requests; try again later' },
  INTERNAL: { status: 500, zh: '系统繁忙，请稍后再试', en: 'Internal error' },
  NOT_READY: { status: 503, zh: '服务尚未就绪', en: 'The service is not ready' },

  // products (M§9, M§14, M§17)
  PRODUCT_DISCLOSURE_INCOMPLETE: {
    status: 422,
    zh: '产品信息披露不完整，不能上线',
    en: 'The product disclosure is incomplete; it cannot be published',
  },
  PRODUCT_LINE_NOT_ONLINE: { status: 422, zh: '该险种不得通过互联网销售', en: 'This line of insurance may not be sold online' },
  PRODUCT_NEW_TYPE_RULES: {
    status: 422,
    zh: '新型产品缺少风险承受能力测评或“保单利益具有不确定性”提示',
    en: 'A new-type product needs a risk-tolerance questionnaire and the uncertainty statement',
  },
  PRODUCT_VERSION_PUBLISHED: {
    status: 409,
    zh: '已上线的产品版本不可修改',
    en: 'A published product version never changes; create a new version',
  },
  PRODUCT_NOT_ON_SALE: { status: 422, zh: '该产品当前不在售', en: 'The product is not on sale' },

  // quote and application (M§17)
  QUOTE_OPTION_INVALID: { status: 422, zh: '所选投保方案不在费率表中', en: 'The chosen options are not in the rating table' },
  AGE_OUT_OF_RANGE: { status: 422, zh: '被保险人年龄不在可投保范围内', en: "The insured's age is outside the entry ages" },
  QUOTE_EXPIRED: { status: 422, zh: '报价已过期，请重新试算', en: 'The quote has expired' },
  QUOTE_MISMATCH: { status: 422, zh: '投保信息与报价不一致', en: 'The application does not match the quote' },
  ID_NUMBER_INVALID: { status: 422, zh: '身份证号码校验失败', en: 'The resident ID number fails its checksum' },
  ID_NUMBER_MISMATCH: {
    status: 422,
    zh: '身份证号码与出生日期或性别不一致',
    en: 'The ID number does not match the birth date or gender given',
  },
  RELATIONSHIP_NOT_ALLOWED: {
    status: 422,
    zh: '投保人与被保险人的关系不符合投保规则',
    en: 'The relationship between policyholder and insured is not allowed',
  },
  BENEFICIARIES_INVALID: { status: 422, zh: '受益人信息不符合要求', en: 'The beneficiaries are not valid' },
  CONSENT_MISSING: { status: 422, zh: '尚有必须确认的事项未确认', en: 'Required confirmations have not been given' },
  CONSENT_NOT_ACTIVE: {
    status: 422,
    zh: '确认须由本人主动勾选，不得默认勾选',
    en: 'A confirmation must be given actively; a pre-filled confirmation is not consent',
  },
  CONSENT_TEXT_UNKNOWN: { status: 422, zh: '确认的文本版本与展示的不一致', en: 'The confirmed text version is not the one shown' },
  QUESTIONNAIRE_INCOMPLETE: { status: 422, zh: '问卷尚未逐项作答完毕', en: 'The questionnaire has unanswered items' },
  QUESTION_UNKNOWN: { status: 422, zh: '问卷题目或选项不存在', en: 'Unknown questionnaire item or option' },
  SUITABILITY_MISMATCH: {
    status: 422,
    zh: '经适当性评估，该产品与您的需求或承受能力不匹配',
    en: 'Suitability assessment: the product does not fit your needs or capacity',
  },

  // identity (M§33)
  OTP_INVALID: { status: 422, zh: '验证码错误', en: 'The one-time code is wrong' },
  OTP_EXPIRED: { status: 422, zh: '验证码已过期，请重新获取', en: 'The one-time code has expired' },
  OTP_TOO_MANY_ATTEMPTS: { status: 429, zh: '验证码错误次数过多，请重新获取', en: 'Too many wrong attempts; request a new code' },
  OTP_RESEND_TOO_SOON: { status: 429, zh: '验证码发送过于频繁，请稍后再试', en: 'A code was sent recently; wait before asking again' },
  FACE_MISMATCH: { status: 422, zh: '人脸比对未通过', en: 'Face comparison failed' },
  IDENTITY_NOT_VERIFIED: { status: 422, zh: '投保人身份尚未核验', en: "The policyholder's identity has not been verified" },

  // underwriting, signature, payment, issuance (M§18, M§19, M§40)
  UNDERWRITING_DECLINED: { status: 422, zh: '很抱歉，根据核保规则本次投保未能通过', en: 'The application was declined by underwriting' },
  SIGNATURE_DOCUMENT_MISMATCH: {
    status: 422,
    zh: '签署的文件版本与当前投保文件不一致',
    en: 'The signed document is not the current application document',
  },
  SIGNATURE_MISSING: { status: 422, zh: '尚有当事人未完成签署', en: 'A required party has not signed' },
  PAYER_NOT_POLICYHOLDER: { status: 422, zh: '付款账户须为投保人本人账户', en: 'The payer must be the policyholder' },
  PAYMENT_NOTIFICATION_INVALID: { status: 400, zh: '支付通知验签失败', en: 'The payment notification failed verification' },
  PAYMENT_ORDER_EXPIRED: { status: 422, zh: '支付订单已过期', en: 'The payment order has expired' },
  REFUND_EXCEEDS_PAID: { status: 422, zh: '退款金额超过可退金额', en: 'The refund exceeds what was paid less earlier refunds' },
  COOLING_OFF_ENDED: { status: 422, zh: '犹豫期已结束，请办理退保', en: 'The cooling-off period has ended; use surrender instead' },

  // electronic callback (CB, requirements §2.7)
  CALLBACK_CLOSED: { status: 409, zh: '该回访已结束', en: 'The callback is closed' },
  CALLBACK_NOT_ELECTRONIC: {
    status: 409,
    zh: '本次回访已转为电话、信函或上门方式，不能继续电子化回访',
    en: 'The callback has moved to phone, letter or visit; the electronic callback is closed',
  },
  CALLBACK_DEADLINE_PASSED: {
    status: 409,
    zh: '电子化回访已超过办理时限，我们将电话联系您',
    en: 'The time for the electronic callback has passed; we will call you',
  },
  CALLBACK_IDENTITY_REQUIRED: { status: 422, zh: '请先完成身份验证', en: 'Verify your identity first' },
  CALLBACK_IDENTITY_MISMATCH: { status: 422, zh: '身份信息与投保人不一致', en: 'The identity given is not the policyholder’s' },
  CALLBACK_ITEM_OUT_OF_ORDER: { status: 422, zh: '请按顺序逐项确认回访内容', en: 'Answer the callback items one at a time, in order' },
  CALLBACK_ITEM_NOT_SHOWN: { status: 422, zh: '作答的回访内容版本与展示的不一致', en: 'The item version answered is not the one shown' },
  CALLBACK_ANSWER_FINAL: { status: 409, zh: '该事项已作答，回答不可更改', en: 'This item has been answered; an answer is never changed' },
  CALLBACK_ITEMS_INCOMPLETE: { status: 422, zh: '尚有回访事项未确认', en: 'Some callback items have not been answered' },
  CALLBACK_EVIDENCE_REQUIRED: {
    status: 422,
    zh: '须提供通话录音或投保人签名回执',
    en: 'A call recording or the signed receipt is required',
  },
  SAMPLING_RULE_RETROACTIVE: {
    status: 422,
    zh: '抽检比例只能自当前或将来的时间起生效',
    en: 'A sampling rate can take effect only from now or a later time',
  },
  SAMPLE_CHECKLIST_INCOMPLETE: { status: 422, zh: '抽检清单须逐项给出结论', en: 'Every checklist item of the sample needs a result' },
  SAMPLE_CHECK_CONTRADICTS_RECORD: {
    status: 422,
    zh: '抽检结论与系统记录核验结果不符',
    en: 'The result contradicts what the records show for this checklist item',
  },
  SAMPLE_REVIEW_STALE: {
    status: 409,
    zh: '该抽检已有新的检查记录，请刷新后重试',
    en: 'The sample has a newer review; reload it and try again',
  },
  SAMPLE_REWORK_OPEN: { status: 409, zh: '该抽检的整改尚未完成', en: 'The rework of this sample is still open' },
  SAMPLE_REWORK_REFERENCE_INVALID: { status: 422, zh: '整改关联的记录不属于该回访', en: 'The record named is not part of this callback' },

  // staff security (M§38, 等保三级)
  CREDENTIALS_INVALID: { status: 401, zh: '用户名、密码或动态口令错误', en: 'Wrong username, password or one-time password' },
  ACCOUNT_LOCKED: { status: 423, zh: '登录失败次数过多，账户已锁定', en: 'Too many failed logins; the account is locked' },
  PASSWORD_TOO_WEAK: { status: 422, zh: '密码强度不足', en: 'The password is too weak' },
  STAFF_USERNAME_TAKEN: { status: 409, zh: '该用户名已被使用', en: 'The username is already taken' },
  ADMIN_ROLES_NOT_SEPARATE: {
    status: 422,
    zh: '系统管理员、安全管理员、审计管理员须由不同账户担任',
    en: 'System, security and audit administrator roles must be held by separate accounts',
  },

  // documents (M§22)
  DOCUMENT_NOT_READY: { status: 409, zh: '电子保单正在生成，请稍后再试', en: 'The document is being prepared; try again shortly' },

  // records retention (M§33, requirements §2.4)
  RETENTION_NOT_ENDED: {
    status: 409,
    zh: '记录尚在保存期内或处于争议中，不得销毁',
    en: 'The records are within retention or under dispute; they cannot be shredded',
  },
  RECORDS_SHREDDED: {
    status: 409,
    zh: '该业务记录的个人信息已按保存期届满销毁',
    en: "The sale's personal data was shredded after retention; nothing more can be recorded for it",
  },
} as const satisfies Record<string, { status: number; zh: string; en: string }>;

export type ErrorCode = keyof typeof errorCatalog;
export const errorCodes = Object.keys(errorCatalog) as ErrorCode[];

const [firstCode, ...otherCodes] = errorCodes as [ErrorCode, ...ErrorCode[]];
/** The closed set of codes as a schema, for clients that parse a problem body. */
export const errorCode = z.enum([firstCode, ...otherCodes]);

/** The problem body as a schema: the same shape as {@link Problem}. */
export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    code: errorCode,
    detail: z.string().optional(),
    messages: z.object({ 'zh-CN': z.string(), en: z.string() }),
    errors: z.array(z.object({ path: z.string().optional(), code: z.string().optional(), message: z.string() })).optional(),
    instance: z.string().optional(),
  })
  .meta({ id: 'Problem', description: 'An error answer (RFC 9457, application/problem+json); branch on `code`.' });

/** The `application/problem+json` body (RFC 9457) every error answers with. */
export type Problem = z.infer<typeof problemSchema>;
