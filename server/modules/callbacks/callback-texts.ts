import { formatYuanInSentence } from '../../platform/money.js';
import { isNewTypeLine, UNCERTAINTY_STATEMENT, type ProductDefinition } from '../products/index.js';

/**
 * The wording of the callback (requirements §2.7). Items are neutral: each states the fact and asks whether the
 * policyholder knows or did it, with 是 / 否 / 不确定 offered alike — never a leading prompt ("对吧", "没问题吧"). The
 * texts are built from the published product version and the policy's own terms, so the version an answer names
 * holds exactly what was asked; each is registered as a text version (kind `callback_item`).
 */

export interface CallbackItemText {
  code: string;
  /** standard: the seven items of 人身保险业务基本服务规定 第14条; receipt: CB (未签收保险合同); new_type: 投连/万能/分红. */
  group: 'standard' | 'receipt' | 'new_type';
  title: string;
  content: string;
}

export interface CallbackTextFacts {
  definition: Pick<ProductDefinition, 'code' | 'promotionalName' | 'clauseName' | 'line' | 'coolingOffDays' | 'disclosure'>;
  termYears: number;
  paymentMode: string;
  /** The insured is someone other than the policyholder: their signature is asked about too. */
  insuredIsOther: boolean;
  coolingOffCostFen: number;
}

export const ANSWER_OPTIONS = [
  { code: 'yes', label: '是' },
  { code: 'no', label: '否' },
  { code: 'unsure', label: '不确定' },
] as const;

const PAYMENT_MODE_WORDS: Record<string, string> = { annual: '年交', monthly: '月交' };

/** The items of one policy's callback, in the order they are asked. */
export function callbackItems(f: CallbackTextFacts): CallbackItemText[] {
  const d = f.definition;
  const coverage = (d.disclosure.coverage ?? []).map((c) => c.name).join('、');
  const items: CallbackItemText[] = [
    {
      code: 'identity_policyholder',
      group: 'standard',
      title: '投保人身份',
      content: '本次回访须由投保人本人完成。请问您是否为本保单的投保人本人？',
    },
    {
      code: 'product_purchased',
      group: 'standard',
      title: '投保产品',
      content: `本保单投保的产品为《${d.promotionalName}》，条款名称为《${d.clauseName}》。请问您是否投保了该产品？`,
    },
    {
      code: 'signed_in_person',
      group: 'standard',
      title: '本人签名',
      content: f.insuredIsOther
        ? '投保单及投保文件上有投保人和被保险人的签名。请问您是否本人签署了投保人签名，并且被保险人签名由被保险人本人签署？'
        : '投保单及投保文件上有投保人（同时为被保险人）的签名。请问您是否本人签署了该签名？',
    },
    {
      code: 'policy_received',
      group: 'receipt',
      title: '保险合同签收',
      content: '本公司已向您发送电子保险合同。请问您是否已收到本保单的电子保险合同？',
    },
    {
      code: 'read_terms_and_warnings',
      group: 'standard',
      title: '产品说明及投保提示',
      content: '投保时，投保页面展示了本产品的产品说明、保险条款及投保提示书。请问您是否阅读并理解了上述内容？',
    },
    {
      code: 'coverage_exclusions_term',
      group: 'standard',
      title: '保险责任、责任免除及保险期间',
      content: `本合同的保险期间为${f.termYears}年，保险责任包括${coverage || '条款所列各项责任'}，责任免除事项以条款中加粗突出显示的内容为准。请问您是否了解本合同的保险责任、责任免除和保险期间？`,
    },
    {
      code: 'surrender_loss',
      group: 'standard',
      title: '退保损失',
      content:
        '犹豫期过后解除合同（退保）的，本公司退还保单的现金价值，退还金额可能少于您已交纳的保险费。请问您是否了解退保可能带来的损失？',
    },
    {
      code: 'cooling_off_rights',
      group: 'standard',
      title: '犹豫期及权利',
      content:
        `本合同的犹豫期为${d.coolingOffDays}日，自您签收保险合同的次日起计算。犹豫期内您可以解除合同，本公司退还全部保险费` +
        (f.coolingOffCostFen > 0 ? `，仅扣除不超过${formatYuanInSentence(f.coolingOffCostFen)}的工本费` : '') +
        '。请问您是否了解犹豫期的起算时间、期间长度以及您在犹豫期内的权利？',
    },
  ];
  const mode = PAYMENT_MODE_WORDS[f.paymentMode];
  if (mode)
    items.push({
      code: 'payment_term_frequency',
      group: 'standard',
      title: '交费期间及交费频率',
      content: `本合同的交费方式为${mode}，交费期间为${f.termYears}年，期间须按期交纳续期保险费。请问您是否了解本合同的交费期间和交费频率？`,
    });
  if (isNewTypeLine(d.line)) {
    items.push(
      {
        code: 'benefit_uncertainty',
        group: 'new_type',
        title: '保单利益的不确定性',
        content: `${UNCERTAINTY_STATEMENT}：本产品的保单利益中，超过合同保证部分的收益（如结算利率、红利、投资收益）是不确定的，过往表现不代表未来。请问您是否了解本保单利益具有不确定性？`,
      },
      {
        code: 'fee_deductions',
        group: 'new_type',
        title: '费用扣除',
        content: `本产品在保险费或保单账户中扣除相关费用：${(d.disclosure.fees ?? '详见产品说明书').replace(/\n/g, '；')}。请问您是否了解本产品的费用扣除情况？`,
      },
      {
        code: 'investment_risk',
        group: 'new_type',
        title: '投资风险承担',
        content: '本产品保证部分之外的投资风险由投保人承担。请问您是否了解本产品的投资风险由您承担？',
      },
    );
  }
  return items;
}

/** The closing confirmation the policyholder gives at the end (CB: 对各项回访内容逐一确认). */
export const CLOSING_TEXT = {
  title: '回访确认',
  content:
    '以上为本次回访的全部内容。请确认：以上各项回答均由您本人根据真实情况作出。如您对保险合同仍有疑问，可随时拨打本公司客服电话咨询；' +
    '犹豫期内您仍可申请解除合同。',
};

/** What the callback agent reads before the items on a recorded call (the script shown to the agent). */
export function phoneScriptOpening(insurerName: string, promotionalName: string): { title: string; content: string } {
  return {
    title: '电话回访开场',
    content:
      `您好，这里是${insurerName}客户服务中心。为保障您的权益，本次通话将全程录音。您近期投保了《${promotionalName}》，` +
      '现在需要与您核对投保情况，大约需要五分钟，请问您现在方便吗？以下各项请您根据实际情况回答“是”“否”或“不确定”。',
  };
}

/** The SMS that tells the policyholder a callback is due, with a link to the platform's own page (never a third party's). */
export function callbackNoticeSms(p: { insurerName: string; promotionalName: string; deadlineDate: string; link: string }): string {
  return `【网保】您投保的《${p.promotionalName}》需在犹豫期内完成回访。请于${p.deadlineDate}前登录${p.link}完成电子化回访，也可在页面中选择电话回访。${p.insurerName}`;
}

/** The SMS that tells the policyholder of a mis-selling refund offer: what is offered, where to answer, no pressure either way. */
export function refundOfferSms(p: {
  insurerName: string;
  promotionalName: string;
  policyNumber: string;
  amountFen: number;
  link: string;
}): string {
  return `【网保】经回访核实，您投保的《${p.promotionalName}》（保单号${p.policyNumber}）销售过程存在不当之处。您可选择解除合同并全额退还已交保险费${formatYuanInSentence(p.amountFen)}，也可继续持有保单。请登录${p.link}查看并作出选择。${p.insurerName}`;
}

/** Phrases that lead the answer; none may appear in an item (requirements §2.7: no leading prompts). */
export const LEADING_PHRASES = ['对吧', '是吧', '没问题吧', '肯定', '一定', '当然', '放心', '应该已经', '不用担心', '请选择“是”', '请选是'];
