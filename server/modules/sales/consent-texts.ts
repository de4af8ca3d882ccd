import { UNCERTAINTY_STATEMENT, type ProductDefinition } from '../products/index.js';
import type { ConsentKind } from './application.js';

/**
 * The text of each confirmation page. Product texts are built from the published definition, so the text a
 * consumer confirms is exactly what the product version discloses; its content hash names the version.
 */
export function consentText(kind: ConsentKind, d: ProductDefinition): { title: string; content: string } {
  const dis = d.disclosure;
  switch (kind) {
    case 'recording_notice':
      return {
        title: '销售行为可回溯告知',
        content:
          '您即将进入投保流程。根据监管规定，您在本平台销售页面上的操作（包括页面浏览、勾选、填写、确认、签名、支付等）将被如实记录并保存，' +
          '用于还原销售过程、保护您的合法权益。记录保存期限自保险合同终止之日起计算：保险期间不超过一年的不少于五年，超过一年的不少于十年；' +
          '遇消费者投诉、法律诉讼等纠纷的，保存至纠纷结束后不少于两年。记录的调阅受到严格权限控制，每次调阅均被记录。',
      };
    case 'purchase_notice':
      return { title: `《${d.promotionalName}投保须知》`, content: dis.purchaseNotice ?? '' };
    case 'key_clauses':
      return {
        title: `《${d.clauseName}》重要条款及责任免除`,
        content: [
          dis.clauseText ?? '',
          '【责任免除】',
          ...(dis.exclusions ?? []).map((e, i) => `${i + 1}. ${e}`),
          `【犹豫期】${d.coolingOffDays}日，自您签收保险合同次日起计算。`,
          d.waitingPeriodDays > 0 ? `【等待期】${d.waitingPeriodDays}日。` : '【等待期】无。',
          dis.fees ? `【费用扣除】${dis.fees}` : '',
          dis.surrenderLoss ? `【退保损失】${dis.surrenderLoss}` : '',
          dis.cashValueExplanation ? `【现金价值】${dis.cashValueExplanation}` : '',
        ]
          .filter(Boolean)
          .join('\n'),
      };
    case 'disclosure_duty':
      return { title: '如实告知提示', content: dis.disclosureDuty ?? '' };
    case 'online_service':
      return {
        title: '在线服务范围及未设分支机构地区提示',
        content: [dis.onlineServiceStatement ?? '', dis.noBranchWarning ?? ''].join('\n'),
      };
    case 'sensitive_data':
      return {
        title: '敏感个人信息处理单独同意书',
        content:
          `为办理本次投保、核保、承保及后续保全、理赔服务，${d.insurer.name}需要处理您及被保险人的以下敏感个人信息：身份证件号码、` +
          '手机号码、银行账户、健康状况告知信息，以及在您选择时的人脸图像。上述信息仅用于本保险服务，加密存储，展示时去标识化处理；' +
          '未经您的单独同意不会用于其他目的或向第三方提供，法律法规要求保存的除外。您可以查阅、更正上述信息，或撤回本同意；' +
          '撤回同意不影响撤回前基于同意已进行的处理，但可能导致无法继续办理投保。',
      };
    case 'benefit_uncertainty':
      return {
        title: UNCERTAINTY_STATEMENT,
        content: [dis.uncertaintyStatement?.text ?? UNCERTAINTY_STATEMENT, dis.fees ?? '', dis.surrenderLoss ?? '']
          .filter(Boolean)
          .join('\n'),
      };
  }
}
