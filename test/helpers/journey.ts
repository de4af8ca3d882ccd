import type { Person } from './people.js';

/** One HTTP call: the same client drives app.inject in tests and fetch against a listening server in benchmarks. */
export type Send = (req: {
  method: 'GET' | 'POST' | 'DELETE';
  url: string;
  body?: unknown;
  token?: string;
  form?: Record<string, string>;
}) => Promise<{ status: number; body: any }>;

export class JourneyError extends Error {
  constructor(
    readonly step: string,
    readonly status: number,
    readonly body: any,
  ) {
    super(`${step} answered ${status}: ${JSON.stringify(body)}`);
  }
}

export interface AnswerPlan {
  /** `questionnaire.item` → option code; items not named get the plan's default choice. */
  overrides?: Record<string, string>;
}

export interface JourneyInput {
  productCode: string;
  policyholder: Person;
  insured?: { relationship: 'spouse' | 'child' | 'parent'; person: Person };
  beneficiary?:
    | { designation: 'legal' }
    | { designation: 'named'; beneficiaries: Array<{ name: string; idNumber: string; relationshipToInsured: string; shareBp: number }> };
  termYears: number;
  paymentMode: 'single' | 'annual' | 'monthly';
  sumInsuredFen: number;
  answers?: AnswerPlan;
  /** Who pays at the gateway; the policyholder unless a test says otherwise. */
  payer?: Person;
  /** Stop after this step. */
  until?: 'application' | 'consents' | 'answers' | 'identity' | 'submitted' | 'signed' | 'ordered' | 'paid';
}

/** The default answer a sensible applicant gives: healthy, a low-risk job, needs the product serves, able to pay. */
export function defaultOption(questionnaire: any, item: any, product: any): string {
  const opts: any[] = item.options;
  if (questionnaire.kind === 'health' || questionnaire.kind === 'occupation')
    return (opts.find((o) => o.underwriting === 'accept') ?? opts[0]).code;
  if (questionnaire.kind === 'risk_tolerance')
    return (opts.some((o) => o.score !== undefined) ? [...opts].sort((a, b) => (b.score ?? 0) - (a.score ?? 0))[0] : opts.at(-1)).code;
  const needs: string[] = product.servesNeeds ?? [];
  const byNeed = opts.find((o) => o.need && needs.includes(o.need));
  if (byNeed) return byNeed.code;
  const byIncome = [...opts].filter((o) => o.annualIncomeFen !== undefined).sort((a, b) => b.annualIncomeFen - a.annualIncomeFen)[0];
  return (byIncome ?? opts[0]).code;
}

export interface JourneyResult {
  token: string;
  quote: any;
  application: any;
  submission?: any;
  order?: any;
  policy?: any;
  /** Milliseconds of every call, by step; steps called several times (one per confirmation, per answer) have several. */
  timings: Record<string, number[]>;
}

/**
 * Buys a product through the public API exactly as the consumer pages would: sign in with an SMS code, quote,
 * apply, be shown and confirm each text, answer each item, prove identity, submit, sign, pay at the gateway.
 */
export interface JourneyHooks {
  deliverNotifications?: () => Promise<unknown>;
  token?: string;
  /**
   * The full product definition, for choosing answers: the public product page leaves out underwriting outcomes
   * and risk scores, so without it the client guesses (first option for health and occupation, last for risk).
   */
  definition?: (code: string) => Promise<any>;
}

export async function buyPolicy(send: Send, input: JourneyInput, hooks: JourneyHooks = {}): Promise<JourneyResult> {
  const timings: Record<string, number[]> = {};
  const step = async (name: string, req: Parameters<Send>[0], expect: number[] = [200, 201, 202]) => {
    const t0 = performance.now();
    const res = await send(req);
    (timings[name] ??= []).push(performance.now() - t0);
    if (!expect.includes(res.status)) throw new JourneyError(name, res.status, res.body);
    return res.body;
  };
  const ph = input.policyholder;
  const insuredPerson = input.insured?.person ?? ph;

  let token = hooks.token;
  if (!token) {
    await step('sign_in_code', { method: 'POST', url: '/v1/consumer/sign-in-codes', body: { phone: ph.phone } });
    const code = await readLatestCode(send, ph.phone);
    token = (await step('sign_in', { method: 'POST', url: '/v1/consumer/sessions', body: { phone: ph.phone, code } })).token as string;
  }
  const product = await step('product', { method: 'GET', url: `/v1/products/${input.productCode}` });
  const quote = await step('quote', {
    method: 'POST',
    url: '/v1/quotes',
    body: {
      productCode: input.productCode,
      insuredBirthDate: insuredPerson.birthDate,
      insuredGender: insuredPerson.gender,
      termYears: input.termYears,
      paymentMode: input.paymentMode,
      sumInsuredFen: input.sumInsuredFen,
    },
  });
  let application = await step('application', {
    method: 'POST',
    url: '/v1/applications',
    token,
    body: {
      quoteId: quote.id ?? quote.quoteId,
      policyholder: { name: ph.name, idNumber: ph.idNumber, phone: ph.phone },
      insured: input.insured
        ? {
            relationship: input.insured.relationship,
            name: input.insured.person.name,
            idNumber: input.insured.person.idNumber,
            phone: input.insured.person.phone,
          }
        : { relationship: 'self' },
      beneficiary: input.beneficiary ?? { designation: 'legal' },
    },
  });
  const result: JourneyResult = { token, quote, application, timings };
  if (input.until === 'application') return result;

  for (const c of application.consents as Array<{ kind: string }>) {
    const shown = await step('consent_text', { method: 'GET', url: `/v1/applications/${application.id}/consents/${c.kind}`, token });
    await step('consent', {
      method: 'POST',
      url: `/v1/applications/${application.id}/consents`,
      token,
      body: {
        kind: c.kind,
        textVersionId: shown.textVersionId,
        interaction: { initialState: 'unchecked', action: 'tap', elementId: `confirm-${c.kind}`, dwellMs: 4000 },
      },
    });
  }
  if (input.until === 'consents') return result;

  const definition = hooks.definition ? await hooks.definition(input.productCode) : product;
  for (const q of definition.questionnaires as any[]) {
    for (const item of q.items) {
      const optionCode = input.answers?.overrides?.[`${q.code}.${item.code}`] ?? defaultOption(q, item, definition);
      await step('answer', {
        method: 'POST',
        url: `/v1/applications/${application.id}/answers`,
        token,
        body: { questionnaireCode: q.code, itemCode: item.code, optionCode },
      });
    }
  }
  if (input.until === 'answers') return result;

  await step('identity_code', {
    method: 'POST',
    url: `/v1/applications/${application.id}/identity/sms-codes`,
    token,
    body: { party: 'policyholder' },
  });
  const code = await readLatestCode(send, ph.phone);
  application = await step('identity_verify', {
    method: 'POST',
    url: `/v1/applications/${application.id}/identity/sms-verification`,
    token,
    body: { code },
  });
  if (application.identity.faceRequired) {
    application = await step('identity_face', {
      method: 'POST',
      url: `/v1/applications/${application.id}/identity/face`,
      token,
      body: { imageBase64: Buffer.from(`live-capture:${ph.name}`).toString('base64') },
    });
  }
  result.application = application;
  if (input.until === 'identity') return result;

  result.submission = await step('submit', { method: 'POST', url: `/v1/applications/${application.id}/submission`, token });
  if (input.until === 'submitted' || result.submission.status !== 'awaiting_signature') return result;

  const doc = await step('document', { method: 'GET', url: `/v1/applications/${application.id}/document`, token });
  await step('sign', {
    method: 'POST',
    url: `/v1/applications/${application.id}/signatures`,
    token,
    body: { signer: 'policyholder', textVersionId: doc.textVersionId, documentHash: doc.documentHash },
  });
  if (doc.requiredSigners.includes('insured')) {
    await step('insured_code', {
      method: 'POST',
      url: `/v1/applications/${application.id}/identity/sms-codes`,
      token,
      body: { party: 'insured' },
    });
    const insuredCode = await readLatestCode(send, input.insured!.person.phone);
    await step('sign', {
      method: 'POST',
      url: `/v1/applications/${application.id}/signatures`,
      token,
      body: { signer: 'insured', textVersionId: doc.textVersionId, documentHash: doc.documentHash, code: insuredCode },
    });
  }
  if (input.until === 'signed') return result;

  result.order = await step('payment_order', { method: 'POST', url: `/v1/applications/${application.id}/payment-orders`, token });
  if (input.until === 'ordered') return result;
  const payer = input.payer ?? ph;
  const gatewayPath = new URL(result.order.payUrl).pathname;
  await step('gateway_page', { method: 'GET', url: gatewayPath });
  await step('gateway_pay', {
    method: 'POST',
    url: gatewayPath,
    form: { name: payer.name, idNumber: payer.idNumber, accountNo: payer.accountNo },
  });
  if (hooks.deliverNotifications) await hooks.deliverNotifications();
  if (input.until === 'paid') return result;

  // The notification is asynchronous: poll, as the consumer's page does. 'issue' times payment to policy.
  const paidAt = performance.now();
  for (let i = 0; i < 200; i++) {
    const res = await send({ method: 'GET', url: `/v1/applications/${application.id}/policy`, token });
    if (res.status === 200) {
      result.policy = res.body;
      timings.issue = [performance.now() - paidAt];
      break;
    }
    await new Promise((r) => setTimeout(r, i < 20 ? 5 : 25));
  }
  if (!result.policy) throw new JourneyError('policy', 404, 'no policy after payment');
  return result;
}

/** Signs a consumer in by SMS code, as the sign-in page does. */
export async function signIn(send: Send, phone: string): Promise<string> {
  const sent = await send({ method: 'POST', url: '/v1/consumer/sign-in-codes', body: { phone } });
  if (sent.status >= 300) throw new JourneyError('sign_in_code', sent.status, sent.body);
  const code = await readLatestCode(send, phone);
  const res = await send({ method: 'POST', url: '/v1/consumer/sessions', body: { phone, code } });
  if (res.status >= 300) throw new JourneyError('sign_in', res.status, res.body);
  return res.body.token as string;
}

export async function readLatestCode(send: Send, phone: string): Promise<string> {
  const res = await send({ method: 'GET', url: `/v1/dev/sms-outbox?phone=${phone}` });
  if (res.status !== 200) throw new JourneyError('sms_outbox', res.status, res.body);
  const items = (res.body.items ?? res.body) as Array<{ body: string }>;
  const m = /(\d{6})/.exec(items[0]?.body ?? '');
  if (!m) throw new JourneyError('sms_outbox', 200, 'no code in the outbox');
  return m[1]!;
}

/** Headers and payload of one request: JSON, a form post, or nothing; with the consumer's bearer token. */
function encode(req: Parameters<Send>[0]): { headers: Record<string, string>; payload?: string } {
  const headers: Record<string, string> = {};
  if (req.token) headers.authorization = `Bearer ${req.token}`;
  if (req.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    return { headers, payload: new URLSearchParams(req.form).toString() };
  }
  if (req.body !== undefined) {
    headers['content-type'] = 'application/json';
    return { headers, payload: JSON.stringify(req.body) };
  }
  return { headers };
}

function parseBody(text: string): any {
  try {
    return JSON.parse(text);
  } catch {
    return text; // html or empty
  }
}

/** Send over app.inject. */
export function injectSender(app: { inject: (o: any) => Promise<any> }): Send {
  return async (req) => {
    const { headers, payload } = encode(req);
    const res = await app.inject({ method: req.method, url: req.url, headers, payload });
    return { status: res.statusCode, body: parseBody(res.body) };
  };
}

/** Send over HTTP to a listening server. */
export function fetchSender(baseUrl: string): Send {
  return async (req) => {
    const { headers, payload } = encode(req);
    const res = await fetch(baseUrl + req.url, { method: req.method, headers, body: payload });
    return { status: res.status, body: parseBody(await res.text()) };
  };
}
