import { Decimal } from 'decimal.js';
import type { Actor } from '../../platform/actor.js';
import { isAppError } from '../../platform/errors.js';
import { UNCERTAINTY_STATEMENT, productDefinitionSchema, type ProductDefinition, type Questionnaire } from './product.js';
import type { ProductService } from './product.service.js';

/**
 * Four demonstration products of 网保示范人寿保险股份有限公司, complete enough to pass the M§14 / M§17 publication
 * check: a one-year accident cover, a one-year 百万医疗, a 20-year term life and a 10-year universal (万能型)
 * endowment. Filing numbers and clause codes are illustrative, in the shape the 备案 system issues them. Premiums and
 * cash values are plausible demonstration figures, not an actuary's.
 */

const INSURER = { name: '网保示范人寿保险股份有限公司', unifiedSocialCreditCode: '91350100M000100Y43', servicePhone: '400-820-9595' };
const YUAN = 100;
const WAN = 10_000 * YUAN;

// ——— texts every product shares ———

const disclosureDuty = [
  '订立保险合同时，本公司就保险标的或者被保险人的有关情况提出询问的，投保人应当如实告知。',
  '投保人故意或者因重大过失未履行前款规定的如实告知义务，足以影响本公司决定是否同意承保或者提高保险费率的，本公司有权解除合同。',
  '投保人故意不履行如实告知义务的，本公司对于合同解除前发生的保险事故，不承担赔偿或者给付保险金的责任，并不退还保险费。',
  '投保人因重大过失未履行如实告知义务，对保险事故的发生有严重影响的，本公司对于合同解除前发生的保险事故，不承担赔偿或者给付保险金的责任，但应当退还保险费。',
  '（依据《中华人民共和国保险法》第十六条）',
].join('\n');

const onlineServiceStatement = [
  '本产品的投保、缴费、电子保单下载、犹豫期退保、保全变更、理赔报案与资料提交、退保及投诉均可在本公司官方网站及官方App“网保”在线办理，全流程无需到柜面。',
  `如需人工协助，可拨打客服热线${INSURER.servicePhone}（7×24小时）或使用在线人工客服。`,
].join('\n');

const noBranchWarning =
  '本公司目前在北京、上海、广东、浙江、江苏、福建、四川设有分支机构。对于未设立分支机构的地区，本公司将通过线上方式及客服热线提供服务，' +
  '部分需要线下办理的事项（如现场查勘、线下体检、纸质材料原件核验）可能因无当地服务网点而延迟或无法办理，请您在投保前充分知悉并谨慎选择。';

const paymentMethods = ['银行卡快捷支付（须为投保人本人名下借记卡）', '网银支付（投保人本人账户）'];

const policyDelivery =
  '本产品提供电子保单。承保成功后，电子保单将通过短信链接发送至投保人手机，并可随时在“网保”官网及App“我的保单”中查询、下载；电子保单与纸质保单具有同等法律效力。您可通过本公司官网“保单验真”栏目或客服热线核验保单真伪。';

const invoiceDelivery =
  '本公司默认开具增值税电子普通发票，于保费实收后5个工作日内发送至投保人预留的手机号或电子邮箱，并可在“网保”官网及App“发票管理”中下载。';

function purchaseNotice(extra: string[]): string {
  return [
    '1. 本产品由网保示范人寿保险股份有限公司承保，通过本公司自营网络平台销售。您在销售页面的操作将被记录并保存，以便依法回溯。',
    '2. 请您仔细阅读保险条款，特别是“责任免除”、“犹豫期”、“等待期”、“退保”等加粗或突出显示的内容，并如实填写投保信息、如实回答健康和职业等告知问题。',
    '3. 投保人须为具有完全民事行为能力的自然人，付款账户须为投保人本人账户。',
    ...extra.map((e, i) => `${i + 4}. ${e}`),
    `${extra.length + 4}. 如对本产品或服务有任何疑问或投诉，请拨打客服热线${INSURER.servicePhone}，或在“网保”App“服务中心—我要投诉”提交。`,
  ].join('\n');
}

// ——— the suitability questionnaire every product asks (M§17: needs and ability to pay) ———

function suitabilityQuestionnaire(): Questionnaire {
  return {
    code: 'SUITABILITY',
    kind: 'suitability',
    title: '投保需求与支付能力评估',
    items: [
      {
        code: 'NEED',
        text: '您本次投保最主要的保障需求是？',
        options: [
          { code: 'A', label: '意外伤害保障（意外身故、伤残、意外医疗）', need: 'accident_protection' },
          { code: 'B', label: '疾病及住院医疗费用保障', need: 'medical_expense' },
          { code: 'C', label: '家庭经济责任保障（身故、全残后家庭生活不受影响）', need: 'family_protection' },
          { code: 'D', label: '中长期储蓄与资产积累', need: 'savings' },
        ],
      },
      {
        code: 'INCOME',
        text: '投保人个人的年收入约为？',
        options: [
          { code: 'A', label: '5万元以下', annualIncomeFen: 30_000 * YUAN },
          { code: 'B', label: '5万元（含）至10万元', annualIncomeFen: 50_000 * YUAN },
          { code: 'C', label: '10万元（含）至30万元', annualIncomeFen: 100_000 * YUAN },
          { code: 'D', label: '30万元（含）至100万元', annualIncomeFen: 300_000 * YUAN },
          { code: 'E', label: '100万元（含）以上', annualIncomeFen: 1_000_000 * YUAN },
        ],
      },
    ],
  };
}

const yesNo = (yes: 'refer' | 'decline') => [
  { code: 'N', label: '否', underwriting: 'accept' as const },
  { code: 'Y', label: '是', underwriting: yes },
];

// ——— (a) 短期意外 ———

const accident: ProductDefinition = {
  code: 'ACCIDENT_1Y',
  clauseName: '网保示范人寿个人意外伤害保险（互联网专属）',
  promotionalName: '网保安心意外险',
  insurer: INSURER,
  regulatory: { kind: 'filing', number: 'C00012332212021081200012', clauseCode: '网保示范人寿〔2021〕意外伤害保险012号' },
  line: 'accident',
  riskLevel: 1,
  termOptionsYears: [1],
  paymentModes: ['single'],
  sumInsuredOptionsFen: [10 * WAN, 20 * WAN, 50 * WAN, 100 * WAN],
  entryAge: { min: 18, max: 65 },
  insuredRelationships: ['self', 'spouse', 'child', 'parent'],
  ratingTable: [
    { ageFrom: 18, ageTo: 40, gender: 'any', termYears: 1, paymentMode: 'single', premiumPer10kFen: '600' },
    { ageFrom: 41, ageTo: 55, gender: 'any', termYears: 1, paymentMode: 'single', premiumPer10kFen: '900' },
    { ageFrom: 56, ageTo: 65, gender: 'any', termYears: 1, paymentMode: 'single', premiumPer10kFen: '1500' },
  ],
  coolingOffDays: 15,
  waitingPeriodDays: 0,
  effectiveAfterDays: 1,
  disclosure: {
    clauseText: [
      '第一条 合同构成：本合同由保险单、保险条款、投保单、与本合同有关的投保文件、声明、批注、批单及其他书面协议构成。',
      '第二条 投保范围：凡18周岁至65周岁、身体健康、能正常工作或生活的自然人，可作为被保险人。',
      '第三条 保险期间：本合同保险期间为1年，自本合同生效日零时起至期满日二十四时止。',
      '第四条 保险责任：在保险期间内，本公司承担下列保险责任：（一）意外身故保险金：被保险人遭受意外伤害，并自该意外伤害发生之日起180日内因该意外伤害身故的，本公司按基本保险金额给付意外身故保险金，本合同终止。（二）意外伤残保险金：被保险人遭受意外伤害，并自该意外伤害发生之日起180日内因该意外伤害导致《人身保险伤残评定标准及代码》（JR/T 0083—2013）所列伤残项目之一的，本公司按该项伤残所对应的给付比例乘以基本保险金额给付意外伤残保险金。累计给付的意外身故保险金与意外伤残保险金之和以基本保险金额为限。',
      '第五条 意外伤害的定义：指以外来的、突发的、非本意的和非疾病的客观事件为直接且单独的原因致使身体受到的伤害。',
      '第六条 受益人：除另有指定外，意外身故保险金的受益人为被保险人的法定继承人；意外伤残保险金的受益人为被保险人本人。',
    ].join('\n'),
    premiumExplanation:
      '本产品保险费按被保险人投保时的年龄段及所选基本保险金额计算，一次性交清（趸交）。每1万元基本保险金额的年保险费：18—40周岁6元，41—55周岁9元，56—65周岁15元。例如30周岁投保10万元，保险费为60元。',
    coverage: [
      { name: '意外身故保险金', description: '因意外伤害自事故发生之日起180日内身故，按基本保险金额给付。', sumInsuredShare: '1' },
      {
        name: '意外伤残保险金',
        description: '因意外伤害自事故发生之日起180日内伤残，按伤残等级对应比例（10%—100%）乘以基本保险金额给付。',
        sumInsuredShare: '1',
      },
    ],
    exclusions: [
      '投保人对被保险人的故意杀害、故意伤害；',
      '被保险人故意自伤、故意犯罪或者抗拒依法采取的刑事强制措施；',
      '被保险人自本合同成立或者合同效力恢复之日起2年内自杀，但被保险人自杀时为无民事行为能力人的除外；',
      '被保险人斗殴、醉酒，主动吸食或注射毒品；',
      '被保险人酒后驾驶、无合法有效驾驶证驾驶，或驾驶无有效行驶证的机动车；',
      '战争、军事冲突、暴乱或武装叛乱；核爆炸、核辐射或核污染；',
      '被保险人从事潜水、跳伞、攀岩、蹦极、驾驶滑翔机或滑翔伞、探险、摔跤、武术比赛、特技表演、赛马、赛车等高风险运动；',
      '被保险人因妊娠（含宫外孕）、流产、分娩（含剖宫产）导致的伤害，以及因疾病导致的伤害。',
    ],
    exclusionsHighlighted: true,
    claimConditions:
      '被保险人在保险期间内遭受意外伤害，并在事故发生之日起180日内因该意外伤害身故或伤残的，可申请理赔。保险事故须属于保险责任范围，且不属于责任免除情形。',
    claimProcess: [
      `1. 报案：知道保险事故发生后10日内，通过“网保”App“理赔服务”或客服热线${INSURER.servicePhone}报案。`,
      '2. 提交材料（一次性告知）：理赔申请书；受益人身份证明；意外事故证明；身故的，提供死亡证明及户籍注销证明；伤残的，提供具有资质的鉴定机构出具的伤残鉴定书；受益人银行账户信息。',
      '3. 审核：本公司收到完整材料后5个工作日内作出核定；情形复杂的，在30日内作出核定，并书面说明理由和依据。',
      '4. 给付：达成给付协议后10日内支付保险金至受益人本人账户。',
    ].join('\n'),
    fees: '本产品无初始费用、保单管理费等其他费用扣除，您所交保险费全部用于保障。',
    surrenderLoss:
      '犹豫期后申请解除合同的，本公司退还未满期净保险费：未满期净保险费＝保险费×（1－25%）×（1－保险单已经过天数÷保险期间天数）。经过天数不足1天按1天计算。发生过保险金给付的，不退还保险费。解除合同会使您失去保障，并可能遭受一定的经济损失。',
    disclosureDuty,
    onlineServiceStatement,
    noBranchWarning,
    paymentMethods,
    policyDelivery,
    invoiceDelivery,
    purchaseNotice: purchaseNotice([
      '本产品仅承保职业类别为1—4类的被保险人，5—6类职业不予承保；保险期间内被保险人职业变更为更高风险类别的，应及时通知本公司。',
      '同一被保险人在本公司投保本产品的累计基本保险金额不超过100万元；56周岁及以上被保险人累计不超过50万元。',
      '为未满18周岁的未成年人投保的，不适用本产品。',
    ]),
  },
  questionnaires: [
    {
      code: 'OCCUPATION',
      kind: 'occupation',
      title: '被保险人职业告知',
      items: [
        {
          code: 'CLASS',
          text: '请选择被保险人目前从事的职业所属类别（参照《保险业职业分类表》）：',
          options: [
            { code: '1', label: '第1类：机关及企事业单位内勤人员、教师、医生（非外科）、办公室职员', underwriting: 'accept' },
            { code: '2', label: '第2类：外勤业务人员、零售店员、外科医生、护士、厨师', underwriting: 'accept' },
            { code: '3', label: '第3类：出租车及网约车司机、快递员、一般工厂操作工、维修人员', underwriting: 'accept' },
            { code: '4', label: '第4类：建筑工地现场人员、货车司机、电工、木工', underwriting: 'accept' },
            { code: '5', label: '第5类：高空作业人员、矿工（地面）、远洋渔业船员、消防员', underwriting: 'decline' },
            { code: '6', label: '第6类：井下矿工、爆破工、高压电工程施工人员、特技演员', underwriting: 'decline' },
          ],
        },
      ],
    },
    suitabilityQuestionnaire(),
  ],
  servesNeeds: ['accident_protection'],
  maxPremiumIncomeRatio: '0.3',
  underwriting: {
    maxSumInsuredByAge: [
      { ageFrom: 18, ageTo: 55, maxFen: 100 * WAN },
      { ageFrom: 56, ageTo: 65, maxFen: 50 * WAN },
    ],
    maxCumulativeSumInsuredFen: 100 * WAN,
  },
  faceVerificationRequired: false,
};

// ——— (b) 百万医疗 ———

const medicalBands: Array<[number, number, string]> = [
  [0, 4, '280'],
  [5, 10, '150'],
  [11, 17, '90'],
  [18, 30, '78'],
  [31, 40, '128'],
  [41, 45, '200'],
  [46, 50, '280'],
  [51, 55, '390'],
  [56, 60, '550'],
];

const medical: ProductDefinition = {
  code: 'MEDICAL_1Y',
  clauseName: '网保示范人寿个人住院医疗保险（2021版）',
  promotionalName: '网保百万医疗',
  insurer: INSURER,
  regulatory: { kind: 'filing', number: 'C00012332522021112300047', clauseCode: '网保示范人寿〔2021〕医疗保险047号' },
  line: 'health',
  riskLevel: 1,
  termOptionsYears: [1],
  paymentModes: ['single'],
  sumInsuredOptionsFen: [200 * WAN, 400 * WAN],
  entryAge: { min: 0, max: 60 },
  insuredRelationships: ['self', 'spouse', 'child', 'parent'],
  ratingTable: medicalBands.map(([ageFrom, ageTo, premiumPer10kFen]) => ({
    ageFrom,
    ageTo,
    gender: 'any' as const,
    termYears: 1,
    paymentMode: 'single' as const,
    premiumPer10kFen,
  })),
  coolingOffDays: 15,
  waitingPeriodDays: 30,
  effectiveAfterDays: 1,
  disclosure: {
    clauseText: [
      '第一条 合同构成：本合同由保险单、保险条款、投保单、健康告知及其他书面协议构成。',
      '第二条 投保范围：出生满28日至60周岁、符合本公司投保条件的人士，可作为被保险人。',
      '第三条 保险期间：本合同保险期间为1年。本合同为不保证续保合同，保险期间届满，投保人需要重新向本公司申请投保本产品，并经本公司同意，交纳保险费，获得新的保险合同。',
      '第四条 保险责任：被保险人在等待期后因疾病或在保险期间内因意外伤害，在二级及以上公立医院普通部住院治疗的，本公司对其住院期间发生的合理且必要的住院医疗费用、特殊门诊医疗费用、门诊手术医疗费用、住院前后门急诊医疗费用（住院前7日、出院后30日），在扣除免赔额后按100%给付一般医疗保险金；经确诊初次患重大疾病的，重大疾病医疗费用不设免赔额。一般医疗费用与重大疾病医疗费用的年度累计给付以基本保险金额为限。',
      '第五条 免赔额：一般医疗保险金年度免赔额为1万元；被保险人从社会基本医疗保险或其他途径获得的补偿可用于抵扣免赔额。',
      '第六条 给付比例：被保险人以参加社会基本医疗保险身份投保但未以社会基本医疗保险身份就诊并结算的，给付比例为60%。',
    ].join('\n'),
    premiumExplanation:
      '本产品保险费按被保险人投保时的年龄段及所选保险金额计算，一年一交，一次交清。保险金额200万元的年保险费：0—4周岁560元，5—10周岁300元，11—17周岁180元，18—30周岁156元，31—40周岁256元，41—45周岁400元，46—50周岁560元，51—55周岁780元，56—60周岁1,100元；保险金额400万元的保险费为上述金额的2倍。',
    coverage: [
      {
        name: '一般医疗保险金',
        description: '住院医疗、特殊门诊、门诊手术及住院前后门急诊费用，扣除1万元年度免赔额后100%给付。',
        sumInsuredShare: '1',
      },
      { name: '重大疾病医疗保险金', description: '初次确诊重大疾病后的医疗费用，0免赔额，100%给付。', sumInsuredShare: '1' },
    ],
    exclusions: [
      '投保前已患疾病或已有症状、体征（既往症），以及等待期内确诊的疾病；',
      '投保人对被保险人的故意杀害、故意伤害；被保险人故意自伤、故意犯罪或抗拒依法采取的刑事强制措施；',
      '被保险人主动吸食或注射毒品，酒后驾驶、无合法有效驾驶证驾驶；',
      '遗传性疾病、先天性畸形、变形或染色体异常；',
      '康复治疗、心理治疗、美容及整形手术、牙科治疗、视力矫正、不孕不育治疗、人工受孕、怀孕、分娩及并发症；',
      '在特需医疗、国际医疗、VIP部及非公立医院发生的医疗费用；',
      '战争、军事冲突、暴乱或武装叛乱；核爆炸、核辐射或核污染。',
    ],
    exclusionsHighlighted: true,
    claimConditions:
      '被保险人在等待期后（意外伤害无等待期）于本公司认可的医院住院或接受特殊门诊、门诊手术治疗，发生合理且必要的医疗费用，且该费用超过年度免赔额部分属于保险责任范围的，可申请理赔。本产品为费用补偿型医疗保险，赔付总额不超过实际发生的医疗费用。',
    claimProcess: [
      `1. 报案：住院后10日内通过“网保”App“理赔服务”或客服热线${INSURER.servicePhone}报案。`,
      '2. 提交材料（一次性告知）：理赔申请书；被保险人身份证明；病历及出院小结；医疗费用发票及费用明细清单；医保结算单（如有）；受益人银行账户信息。可在App中拍照上传。',
      '3. 审核：材料齐全后5个工作日内作出核定；情形复杂的，在30日内作出核定，并说明理由和依据。',
      '4. 给付：达成给付协议后10日内支付至被保险人本人账户。',
    ].join('\n'),
    waitingPeriodExplanation:
      '本产品首次投保的等待期为30日，自合同生效之日起算。被保险人在等待期内因疾病发生的医疗费用，本公司不承担保险责任；因意外伤害发生的医疗费用不受等待期限制。不间断重新投保的，不设等待期。',
    fees: '本产品无初始费用、保单管理费等其他费用扣除，您所交保险费全部用于保障。',
    surrenderLoss:
      '犹豫期后申请解除合同的，本公司退还未满期净保险费：未满期净保险费＝保险费×（1－35%）×（1－保险单已经过天数÷保险期间天数）。已发生保险金给付的，不退还保险费。解除合同会使您失去保障，并可能遭受一定的经济损失。',
    disclosureDuty,
    onlineServiceStatement,
    noBranchWarning,
    paymentMethods,
    policyDelivery,
    invoiceDelivery,
    purchaseNotice: purchaseNotice([
      '被保险人须如实回答健康告知问题；任一问题回答“是”的，可能需转人工核保或不予承保。',
      '为未成年人投保的，投保人须为其父母。',
      '本产品为不保证续保产品，保险期间届满后需重新投保。',
    ]),
  },
  questionnaires: [
    {
      code: 'HEALTH',
      kind: 'health',
      title: '被保险人健康告知',
      items: [
        {
          code: 'H1',
          text: '被保险人目前或过去是否患有或被医生诊断为：恶性肿瘤（含原位癌）、白血病、淋巴瘤、肝硬化、慢性肾病、尿毒症、再生障碍性贫血、系统性红斑狼疮、心肌梗塞、脑卒中、瘫痪？',
          options: yesNo('decline'),
        },
        {
          code: 'H2',
          text: '被保险人过去2年内是否曾住院治疗或被医生建议住院治疗、手术治疗（不含剖宫产、顺产）？',
          options: yesNo('refer'),
        },
        {
          code: 'H3',
          text: '被保险人是否患有高血压（收缩压≥140mmHg或舒张压≥90mmHg）、糖尿病、甲状腺结节、乳腺结节、肺结节或慢性乙型肝炎？',
          options: yesNo('refer'),
        },
        {
          code: 'H4',
          text: '被保险人过去1年内是否有体检结果异常（如肿瘤标志物升高、影像学检查发现占位或肿块）尚未明确诊断？',
          options: yesNo('refer'),
        },
      ],
    },
    suitabilityQuestionnaire(),
  ],
  servesNeeds: ['medical_expense'],
  maxPremiumIncomeRatio: '0.3',
  underwriting: {
    maxSumInsuredByAge: [{ ageFrom: 0, ageTo: 60, maxFen: 400 * WAN }],
    maxCumulativeSumInsuredFen: 400 * WAN,
  },
  faceVerificationRequired: false,
};

// ——— (c) 定期寿险 ———

const termBands: Array<[number, number, string, string]> = [
  // ageFrom, ageTo, male, female: annual premium per ¥10,000, in fen
  [18, 25, '900', '520'],
  [26, 30, '1150', '650'],
  [31, 35, '1600', '900'],
  [36, 40, '2400', '1350'],
  [41, 45, '3700', '2100'],
  [46, 50, '5800', '3300'],
];

/** A level-premium term cover reserves early and releases late: the cash value rises, then falls to nil at expiry. */
function termCashValues(premiumPer10kFen: string, years: number): number[] {
  return Array.from({ length: years }, (_, i) => {
    const t = i + 1;
    if (t === years) return 0;
    const shape = new Decimal(Math.sin((Math.PI * t) / years).toFixed(6))
      .times(t)
      .dividedBy(t + 3)
      .times('1.8');
    return new Decimal(premiumPer10kFen).times(shape).toDecimalPlaces(0, Decimal.ROUND_HALF_UP).toNumber();
  });
}

const termLife: ProductDefinition = {
  code: 'TERM_LIFE_20Y',
  clauseName: '网保示范人寿定期寿险（互联网专属）',
  promotionalName: '网保守护20年定期寿险',
  insurer: INSURER,
  regulatory: { kind: 'filing', number: 'C00012332112022031500023', clauseCode: '网保示范人寿〔2022〕定期寿险023号' },
  line: 'term_life',
  riskLevel: 1,
  termOptionsYears: [20],
  paymentModes: ['annual'],
  sumInsuredOptionsFen: [50 * WAN, 100 * WAN, 150 * WAN, 200 * WAN, 300 * WAN],
  entryAge: { min: 18, max: 50 },
  insuredRelationships: ['self', 'spouse'],
  ratingTable: termBands.flatMap(([ageFrom, ageTo, m, f]) => [
    { ageFrom, ageTo, gender: 'M' as const, termYears: 20, paymentMode: 'annual' as const, premiumPer10kFen: m },
    { ageFrom, ageTo, gender: 'F' as const, termYears: 20, paymentMode: 'annual' as const, premiumPer10kFen: f },
  ]),
  cashValues: termBands.flatMap(([ageFrom, ageTo, m, f]) => [
    { ageFrom, ageTo, gender: 'M' as const, termYears: 20, paymentMode: 'annual' as const, valuesPer10kFen: termCashValues(m, 20) },
    { ageFrom, ageTo, gender: 'F' as const, termYears: 20, paymentMode: 'annual' as const, valuesPer10kFen: termCashValues(f, 20) },
  ]),
  coolingOffDays: 15,
  waitingPeriodDays: 90,
  effectiveAfterDays: 1,
  disclosure: {
    clauseText: [
      '第一条 合同构成：本合同由保险单、保险条款、投保单、健康告知、与本合同有关的投保文件、声明、批注、批单及其他书面协议构成。',
      '第二条 投保范围：18周岁至50周岁、符合本公司投保条件的人士，可作为被保险人。',
      '第三条 保险期间：本合同保险期间为20年，自本合同生效日零时起至期满日二十四时止。',
      '第四条 交费方式：年交，交费期间与保险期间相同，共交20期。',
      '第五条 保险责任：在本合同有效期内，本公司承担下列保险责任：（一）身故保险金：被保险人于等待期后身故，或因意外伤害身故的，本公司按基本保险金额给付身故保险金，本合同终止。（二）全残保险金：被保险人于等待期后全残，或因意外伤害导致全残的，本公司按基本保险金额给付全残保险金，本合同终止。身故保险金与全残保险金不重复给付。被保险人于等待期内因疾病身故或全残的，本公司无息退还已交保险费，本合同终止。',
      '第六条 宽限期：分期支付保险费的，自保险费约定支付日的次日零时起60日为宽限期；宽限期内发生保险事故的，本公司仍承担保险责任，但在给付保险金时扣减欠交的保险费。',
      '第七条 合同效力中止及恢复：宽限期结束时仍未支付保险费的，本合同自宽限期满日的次日零时起中止；合同效力中止之日起2年内，经双方协商同意并补交保险费后，合同效力恢复。',
    ].join('\n'),
    premiumExplanation:
      '本产品保险费按被保险人投保时的年龄、性别及所选基本保险金额计算，年交，共交20期，各期保险费相同。例如30周岁男性投保100万元，年交保险费1,150元；30周岁女性投保100万元，年交保险费650元。',
    coverage: [
      { name: '身故保险金', description: '等待期后身故或意外身故，按基本保险金额给付。', sumInsuredShare: '1' },
      { name: '全残保险金', description: '等待期后全残或意外全残，按基本保险金额给付（与身故保险金不重复给付）。', sumInsuredShare: '1' },
    ],
    exclusions: [
      '投保人对被保险人的故意杀害、故意伤害；',
      '被保险人故意犯罪或者抗拒依法采取的刑事强制措施；',
      '被保险人自本合同成立或者合同效力恢复之日起2年内自杀，但被保险人自杀时为无民事行为能力人的除外；',
      '被保险人主动吸食或注射毒品；',
      '被保险人酒后驾驶、无合法有效驾驶证驾驶，或驾驶无有效行驶证的机动车；',
      '战争、军事冲突、暴乱或武装叛乱；',
      '核爆炸、核辐射或核污染。',
      '发生上述第1项情形导致被保险人身故的，本合同终止，本公司向投保人之外的其他权利人退还本合同的现金价值；发生其他情形导致被保险人身故或全残的，本合同终止，本公司向投保人退还本合同的现金价值。',
    ],
    exclusionsHighlighted: true,
    claimConditions:
      '被保险人于等待期后（或因意外伤害）在本合同有效期内身故或被认定为全残，且不属于责任免除情形的，受益人可申请给付保险金。',
    claimProcess: [
      `1. 报案：知道保险事故发生后10日内，通过“网保”App“理赔服务”或客服热线${INSURER.servicePhone}报案。`,
      '2. 提交材料（一次性告知）：理赔申请书；保险合同号；受益人身份证明；身故的，提供死亡证明、户籍注销证明；全残的，提供具有资质的鉴定机构出具的残疾鉴定书；受益人银行账户信息；与确认保险事故相关的其他证明材料。',
      '3. 审核：材料齐全后5个工作日内作出核定；情形复杂的，在30日内作出核定，并书面说明理由和依据。',
      '4. 给付：达成给付协议后10日内支付至受益人本人账户。',
    ].join('\n'),
    waitingPeriodExplanation:
      '本产品等待期为90日，自合同生效之日起算；因意外伤害导致身故或全残的，不受等待期限制。等待期内因疾病身故或全残的，本公司无息退还已交保险费，合同终止。合同效力恢复的，自恢复之日起重新计算90日等待期。',
    fees: '本产品不另行收取初始费用或账户管理费。您所交保险费中包含本公司经营费用，该部分不计入现金价值，这是早期退保现金价值较低的原因之一。',
    surrenderLoss:
      '犹豫期后解除合同的，本公司在收到解除合同申请书之日起30日内退还本合同的现金价值。定期寿险的现金价值较低，且在保险期间届满时为零，退保可能遭受较大经济损失，并失去身故及全残保障。',
    cashValueExplanation:
      '现金价值是指保单在某一时点所具有的价值，用于计算退保金等。本产品现金价值按被保险人投保年龄段、性别逐年列示于现金价值表中（以每1万元基本保险金额计），投保时可在试算结果中查看您所选方案各保单年度末的现金价值；保单年度中的现金价值按该年度末与上年度末数值线性计算。保险期间届满时现金价值为零。',
    disclosureDuty,
    onlineServiceStatement,
    noBranchWarning,
    paymentMethods: [...paymentMethods, '续期保险费由投保人本人银行卡自动扣划（须另行授权，可随时取消）'],
    policyDelivery,
    invoiceDelivery,
    purchaseNotice: purchaseNotice([
      '投保时须完成投保人人脸识别身份核验及短信验证码验证。',
      '同一被保险人在本公司所有定期寿险的累计基本保险金额超过200万元的，需经人工核保；累计不得超过500万元。',
      '本产品保险期间超过一年，承保后本公司将在犹豫期内进行电子化回访，请您配合完成。',
    ]),
  },
  questionnaires: [
    {
      code: 'HEALTH',
      kind: 'health',
      title: '被保险人健康告知',
      items: [
        {
          code: 'H1',
          text: '被保险人目前或过去是否患有或被医生诊断为：恶性肿瘤、心脏病（心功能不全二级以上）、脑血管疾病、肝硬化、慢性肾功能不全、艾滋病或HIV阳性、精神疾病？',
          options: yesNo('decline'),
        },
        {
          code: 'H2',
          text: '被保险人过去2年内是否曾住院治疗、手术治疗，或被建议住院、手术而未进行？',
          options: yesNo('refer'),
        },
        {
          code: 'H3',
          text: '被保险人是否患有高血压、糖尿病、慢性乙型肝炎，或身体质量指数（BMI）大于30或小于17？',
          options: yesNo('refer'),
        },
        {
          code: 'H4',
          text: '被保险人目前是否从事高空作业、井下作业、爆破、远洋渔业等高风险职业，或经常参加潜水、跳伞、攀岩等高风险运动？',
          options: yesNo('refer'),
        },
      ],
    },
    suitabilityQuestionnaire(),
  ],
  servesNeeds: ['family_protection'],
  maxPremiumIncomeRatio: '0.2',
  underwriting: {
    maxSumInsuredByAge: [
      { ageFrom: 18, ageTo: 40, maxFen: 300 * WAN },
      { ageFrom: 41, ageTo: 45, maxFen: 200 * WAN },
      { ageFrom: 46, ageTo: 50, maxFen: 100 * WAN },
    ],
    maxCumulativeSumInsuredFen: 500 * WAN,
    referAboveCumulativeFen: 200 * WAN,
  },
  faceVerificationRequired: true,
};

// ——— (d) 万能型 ———

const GUARANTEED_RATE = '0.0175';
/** Surrender charge by policy year as a share of the account value; none from the 6th year. */
const SURRENDER_CHARGE = ['0.05', '0.04', '0.03', '0.02', '0.01'];
/** Initial fee on each annual premium by policy year (single premium: 3% once). */
const ANNUAL_INITIAL_FEE = ['0.10', '0.08', '0.06', '0.05', '0.05', '0.05', '0.05', '0.05', '0.05', '0.05'];
const universalAgeBands: Array<[number, number, string]> = [
  // ageFrom, ageTo, yearly risk charge as a share of the account value (death benefit is 105% of the account)
  [18, 40, '0.00005'],
  [41, 50, '0.00015'],
  [51, 60, '0.00035'],
];

/**
 * The guaranteed cash value per ¥10,000 at the end of each year: the account accrues at the guaranteed rate after the
 * initial fee and the risk charge, less the surrender charge of that year.
 */
function universalCashValues(mode: 'single' | 'annual', riskCharge: string, years = 10): number[] {
  const premium = mode === 'single' ? new Decimal(WAN) : new Decimal(WAN).dividedBy(10);
  let account = new Decimal(0);
  const out: number[] = [];
  for (let t = 1; t <= years; t++) {
    if (mode === 'single' && t === 1) account = account.plus(premium.times(new Decimal(1).minus('0.03')));
    if (mode === 'annual') account = account.plus(premium.times(new Decimal(1).minus(ANNUAL_INITIAL_FEE[t - 1] ?? '0')));
    account = account.times(new Decimal(1).plus(GUARANTEED_RATE)).times(new Decimal(1).minus(riskCharge));
    const charge = SURRENDER_CHARGE[t - 1] ?? '0';
    out.push(account.times(new Decimal(1).minus(charge)).toDecimalPlaces(0, Decimal.ROUND_HALF_UP).toNumber());
  }
  return out;
}

const universal: ProductDefinition = {
  code: 'UNIVERSAL_10Y',
  clauseName: '网保示范人寿稳盈两全保险（万能型）',
  promotionalName: '网保稳盈十年万能账户',
  insurer: INSURER,
  regulatory: { kind: 'filing', number: 'C00012332122022062000031', clauseCode: '网保示范人寿〔2022〕两全保险（万能型）031号' },
  line: 'universal',
  riskLevel: 3,
  termOptionsYears: [10],
  paymentModes: ['single', 'annual'],
  sumInsuredOptionsFen: [5 * WAN, 10 * WAN, 20 * WAN, 50 * WAN],
  entryAge: { min: 18, max: 60 },
  insuredRelationships: ['self'],
  ratingTable: [
    // The basic amount equals the total premium: single pays it at once, annual pays a tenth a year for ten years.
    { ageFrom: 18, ageTo: 60, gender: 'any', termYears: 10, paymentMode: 'single', premiumPer10kFen: '1000000' },
    { ageFrom: 18, ageTo: 60, gender: 'any', termYears: 10, paymentMode: 'annual', premiumPer10kFen: '100000' },
  ],
  cashValues: universalAgeBands.flatMap(([ageFrom, ageTo, risk]) =>
    (['single', 'annual'] as const).map((paymentMode) => ({
      ageFrom,
      ageTo,
      gender: 'any' as const,
      termYears: 10,
      paymentMode,
      valuesPer10kFen: universalCashValues(paymentMode, risk),
    })),
  ),
  coolingOffDays: 15,
  waitingPeriodDays: 90,
  effectiveAfterDays: 1,
  disclosure: {
    clauseText: [
      '第一条 合同构成：本合同由保险单、保险条款、投保单、风险承受能力测评结果、产品说明书、与本合同有关的投保文件、声明、批注、批单及其他书面协议构成。',
      '第二条 投保范围：18周岁至60周岁、符合本公司投保条件的人士，可作为被保险人；投保人须为被保险人本人。',
      '第三条 保险期间：本合同保险期间为10年。',
      '第四条 保单账户：本公司为本合同设立保单账户。您交纳的保险费扣除初始费用后计入保单账户；保单账户价值按本公司每月公布的结算利率（不低于最低保证利率年利率1.75%）按日计息、按月结算。',
      '第五条 保险责任：（一）身故保险金：被保险人于等待期后身故或因意外伤害身故的，本公司按身故时保单账户价值的105%给付身故保险金，本合同终止；等待期内因疾病身故的，按保单账户价值给付。（二）满期保险金：被保险人生存至保险期间届满的，本公司按满期时保单账户价值给付满期保险金，本合同终止。',
      '第六条 部分领取：犹豫期后，投保人可申请部分领取保单账户价值，每次领取不低于1,000元，领取后保单账户价值不低于2,000元；第1至第5保单年度部分领取的，按退保费用比例收取部分领取手续费。',
      '第七条 结算利率：本公司每月公布上月结算利率；结算利率超过最低保证利率的部分是不确定的。',
    ].join('\n'),
    premiumExplanation:
      '本产品基本保险金额等于您所交保险费总额。趸交：一次交清，保险费＝基本保险金额；年交：每年交纳基本保险金额的10%，共交10期。例如选择10万元基本保险金额：趸交10万元，或年交1万元、交10年。',
    coverage: [
      {
        name: '身故保险金',
        description: '等待期后身故或意外身故，按保单账户价值的105%给付；等待期内因疾病身故按保单账户价值给付。',
        sumInsuredShare: '1.05',
      },
      { name: '满期保险金', description: '生存至保险期间届满，按满期时保单账户价值给付。', sumInsuredShare: '1' },
    ],
    exclusions: [
      '投保人对被保险人的故意杀害、故意伤害；',
      '被保险人故意犯罪或者抗拒依法采取的刑事强制措施；',
      '被保险人自本合同成立或者合同效力恢复之日起2年内自杀，但被保险人自杀时为无民事行为能力人的除外；',
      '被保险人主动吸食或注射毒品，酒后驾驶、无合法有效驾驶证驾驶；',
      '战争、军事冲突、暴乱或武装叛乱；核爆炸、核辐射或核污染。',
      '发生上述情形导致被保险人身故的，本公司不承担给付身故保险金的责任，向投保人（或投保人之外的其他权利人）退还保单账户价值，本合同终止。',
    ],
    exclusionsHighlighted: true,
    claimConditions:
      '被保险人于等待期后（或因意外伤害）在本合同有效期内身故且不属于责任免除情形的，受益人可申请身故保险金；被保险人生存至保险期间届满的，可申请满期保险金。',
    claimProcess: [
      `1. 报案或申请：通过“网保”App“理赔服务”或客服热线${INSURER.servicePhone}报案；满期保险金由本公司在满期前30日通知，在线确认领取。`,
      '2. 提交材料（一次性告知）：理赔（领取）申请书；受益人身份证明；身故的，提供死亡证明、户籍注销证明；受益人银行账户信息。',
      '3. 审核：材料齐全后5个工作日内作出核定；情形复杂的，在30日内作出核定，并书面说明理由和依据。',
      '4. 给付：达成给付协议后10日内支付至受益人本人账户。',
    ].join('\n'),
    waitingPeriodExplanation:
      '本产品等待期为90日，自合同生效之日起算。等待期内因疾病身故的，本公司按保单账户价值给付，不给付额外的5%风险保额；因意外伤害身故的不受等待期限制。',
    fees: [
      '1. 初始费用：趸交保险费扣除3%；年交保险费第1年扣除10%、第2年8%、第3年6%、第4年起每年5%。初始费用扣除后的余额计入保单账户。',
      '2. 风险保险费：每月按被保险人的年龄和风险保额（保单账户价值的5%）从保单账户中扣除，年费率约为保单账户价值的0.005%—0.035%（视投保年龄）。',
      '3. 保单管理费：无。',
      '4. 退保费用：第1至第5保单年度内退保或部分领取的，分别按领取金额的5%、4%、3%、2%、1%收取；第6保单年度起不收取。',
    ].join('\n'),
    surrenderLoss:
      '犹豫期后解除合同的，本公司在收到申请之日起30日内退还保单账户价值扣除退保费用后的余额（即现金价值）。由于已扣除初始费用、风险保险费，并需收取退保费用，早期退保您可能拿回的金额少于所交保险费，遭受本金损失。',
    cashValueExplanation:
      '本产品的现金价值等于保单账户价值扣除退保费用后的余额。现金价值表按最低保证利率1.75%计算，已扣除初始费用、风险保险费及退保费用，按交费方式和投保年龄段（18—40、41—50、51—60周岁）以每1万元基本保险金额逐年列示。实际现金价值取决于实际结算利率，高于最低保证利率的部分不确定。',
    disclosureDuty,
    onlineServiceStatement,
    noBranchWarning,
    paymentMethods: [...paymentMethods, '年交续期保险费由投保人本人银行卡自动扣划（须另行授权，可随时取消）'],
    policyDelivery,
    invoiceDelivery,
    purchaseNotice: purchaseNotice([
      '本产品为万能型人身保险，属于新型产品，投保前须完成风险承受能力测评，测评结果须达到本产品风险等级（R3，中等风险）。',
      `${UNCERTAINTY_STATEMENT}。本产品的最低保证利率之上的投资收益是不确定的，结算利率的历史数据不代表未来表现，投资风险由投保人承担。`,
      '本产品保险期间超过一年，承保后本公司将在犹豫期内进行电子化回访（含保单利益不确定性、费用扣除及投资风险的确认），请您配合完成。',
    ]),
    uncertaintyStatement: { text: `${UNCERTAINTY_STATEMENT}，结算利率超过最低保证利率的部分不确定`, bold: true, fontSizePx: 20 },
    productNameFontSizePx: 20,
  },
  questionnaires: [
    {
      code: 'RISK',
      kind: 'risk_tolerance',
      title: '投保人风险承受能力测评',
      items: [
        {
          code: 'R1',
          text: '您的投资经验（股票、基金、理财产品、万能险等）有多少年？',
          options: [
            { code: 'A', label: '没有投资经验', score: 0 },
            { code: 'B', label: '1年以下', score: 1 },
            { code: 'C', label: '1至5年', score: 3 },
            { code: 'D', label: '5年以上', score: 4 },
          ],
        },
        {
          code: 'R2',
          text: '您计划持有本产品的时间是？',
          options: [
            { code: 'A', label: '1年以内，可能随时需要用钱', score: 0 },
            { code: 'B', label: '1至5年', score: 2 },
            { code: 'C', label: '5至10年', score: 3 },
            { code: 'D', label: '10年以上', score: 4 },
          ],
        },
        {
          code: 'R3',
          text: '您能接受本产品在早期退保时出现的本金损失幅度是？',
          options: [
            { code: 'A', label: '不能接受任何本金损失', score: 0 },
            { code: 'B', label: '5%以内', score: 2 },
            { code: 'C', label: '5%至10%', score: 3 },
            { code: 'D', label: '10%以上', score: 4 },
          ],
        },
        {
          code: 'R4',
          text: '本产品保费占您家庭可投资资产的比例约为？',
          options: [
            { code: 'A', label: '50%以上', score: 0 },
            { code: 'B', label: '30%至50%', score: 2 },
            { code: 'C', label: '10%至30%', score: 3 },
            { code: 'D', label: '10%以下', score: 4 },
          ],
        },
        {
          code: 'R5',
          text: '对于“结算利率超过最低保证利率的部分不确定”，您的理解是？',
          options: [
            { code: 'A', label: '我希望收益固定，不能接受任何波动', score: 0 },
            { code: 'B', label: '我能接受收益有小幅波动', score: 2 },
            { code: 'C', label: '我理解并能接受结算利率可能仅为最低保证利率', score: 4 },
          ],
        },
      ],
    },
    suitabilityQuestionnaire(),
  ],
  servesNeeds: ['savings'],
  maxPremiumIncomeRatio: '0.5',
  underwriting: {
    maxSumInsuredByAge: [{ ageFrom: 18, ageTo: 60, maxFen: 50 * WAN }],
    maxCumulativeSumInsuredFen: 100 * WAN,
  },
  faceVerificationRequired: false,
};

/** The four demonstration products, each passing the publication check. */
export const demoProducts: ProductDefinition[] = [accident, medical, termLife, universal].map((d) => productDefinitionSchema.parse(d));

/**
 * Drafts and publishes each demo product whose code is not on sale yet. Idempotent: safe at every start.
 * Returns the codes published now and those already on sale.
 */
export async function seedDemoProducts(
  services: { products: Pick<ProductService, 'getOnSale' | 'createVersion' | 'publishVersion'> },
  actor: Actor,
): Promise<{ published: string[]; alreadyOnSale: string[] }> {
  const published: string[] = [];
  const alreadyOnSale: string[] = [];
  for (const definition of demoProducts) {
    try {
      await services.products.getOnSale(definition.code);
      alreadyOnSale.push(definition.code);
      continue;
    } catch (e) {
      if (!isAppError(e) || (e.code !== 'NOT_FOUND' && e.code !== 'PRODUCT_NOT_ON_SALE')) throw e;
    }
    const { version } = await services.products.createVersion(actor, definition);
    await services.products.publishVersion(actor, definition.code, version);
    published.push(definition.code);
  }
  return { published, alreadyOnSale };
}
