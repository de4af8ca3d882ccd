import { describe, expect, it } from 'vitest';
import { documentModelSchema } from '../documents/index.js';
import { renderDocument } from '../documents/index.js';
import { loadConfig } from '../../config.js';
import { workingCalendar } from '../../platform/dates.js';
import {
  firstUseReportModel,
  listSetting,
  managementAreas,
  parseManagementRules,
  ratePercent,
  reportDueDate,
  type FirstUseReportContent,
} from './first-use-report.js';

function content(over: Partial<FirstUseReportContent> = {}): FirstUseReportContent {
  return {
    title: '关于首次开展人身保险电子化回访工作的报告',
    addressee: '国家金融监督管理总局',
    insurer: '网保示范人寿保险股份有限公司',
    generatedAt: '2026-03-05T02:00:00.000Z',
    implementation: { firstUseDate: '2026-03-02', source: 'first_case', reportDueDate: '2026-03-16', dueDateBasis: '实施日起10个工作日' },
    managementRules: managementAreas.map((a) => ({
      area: a.area,
      areaTitle: a.title,
      document: a.area === 'flow' ? '《电子化回访管理办法》' : null,
      systemControls: `${a.title}的系统控制`,
    })),
    system: {
      name: 'wangbao 网保',
      version: '0.1.0',
      operator: '网保示范人寿保险股份有限公司',
      platformUrl: 'https://life.example.cn',
      callbackPageUrl: 'https://life.example.cn/h5/callbacks/{回访任务号}',
      thirdPartyPlatform: false,
      storage: '本公司自有 PostgreSQL 数据库',
      appendOnly: '只可新增',
      ledger: { origin: 'ledger.wangbao.local/v1', hash: 'SM3', checkpointSignature: 'SM2' },
      personalDataCipher: 'SM4（国密）',
      retention: '自保险合同终止之日起不少于10年，逐单计算',
    },
    carrier: {
      carriers: ['本公司互联网平台回访页面'],
      methods: [{ method: 'electronic', label: '电子化回访', when: '犹豫期内' }],
      parameters: [{ name: '电话回访最多尝试次数', value: '3次' }],
    },
    channels: [{ channel: 'direct', label: '自营网络平台', cases: 12, source: 'cases' }],
    products: [
      {
        productCode: 'TERM_LIFE_20Y',
        name: '网保安康定期寿险',
        line: 'term_life',
        newType: false,
        termYears: [20],
        basis: 'term_over_one_year',
        faceRequired: true,
        items: 9,
        cases: 12,
      },
    ],
    regions: ['北京市', '上海市'],
    identityMethods: [{ method: 'face', label: '人脸识别', appliesTo: '要求人脸识别的产品：网保安康定期寿险', provider: 'dev-face' }],
    sampling: {
      defaultRate: '0.05',
      rules: [{ channel: 'direct', productCode: null, rate: '0.123456', effectiveFrom: '2026-03-01T00:00:00.000Z' }],
      checklist: [{ code: 'all_items_answered', group: 'completeness', title: '回访事项逐项确认完整' }],
    },
    figures: null,
    gaps: ['管理制度“电子档案管理”的制度文件'],
    ...over,
  };
}

describe('the first-use report (首次使用电子化回访报告)', () => {
  it('§2.7 is due on the 10th working day (Monday to Friday) after first use', () => {
    expect(reportDueDate('2026-03-02')).toBe('2026-03-16');
    // From a Friday: the weekend does not count.
    expect(reportDueDate('2026-03-06')).toBe('2026-03-20');
    // From a Saturday.
    expect(reportDueDate('2026-03-07')).toBe('2026-03-20');
    expect(reportDueDate('2026-03-02', undefined, 1)).toBe('2026-03-03');
  });

  it('§2.7 counts working days by the configured calendar: public holidays off, weekend days worked in exchange (调休) on', () => {
    // First use on Wednesday 30 September; 1–8 October off, Saturday 10 October worked in exchange.
    const config = loadConfig({
      PUBLIC_HOLIDAYS: '2026-10-01,2026-10-02,2026-10-03,2026-10-04,2026-10-05,2026-10-06,2026-10-07,2026-10-08',
      MAKE_UP_WORKDAYS: '2026-10-10',
    });
    const calendar = workingCalendar(config.PUBLIC_HOLIDAYS, config.MAKE_UP_WORKDAYS);
    expect(calendar.configured).toBe(true);
    expect(['2026-10-08', '2026-10-09', '2026-10-10', '2026-10-11'].map((d) => calendar.isWorkingDay(d))).toEqual([
      false,
      true,
      true,
      false,
    ]);
    // 9, 10, 12–16, 19, 20, 21 October.
    expect(reportDueDate('2026-09-30', calendar)).toBe('2026-10-21');
    // Without the calendar, Monday to Friday: 1, 2, 5–9, 12, 13, 14 October.
    expect(reportDueDate('2026-09-30')).toBe('2026-10-14');
    expect(() => loadConfig({ PUBLIC_HOLIDAYS: '2026-10-01,2026-02-30' })).toThrow(/PUBLIC_HOLIDAYS/);
  });

  it('§2.7 reads the rule documents per area the notice names, and refuses an unknown area', () => {
    expect(parseManagementRules('flow=《电子化回访管理办法》; sampling = 《回访质量抽检细则》 ;')).toEqual({
      flow: '《电子化回访管理办法》',
      sampling: '《回访质量抽检细则》',
    });
    expect(parseManagementRules('')).toEqual({});
    expect(() => parseManagementRules('marketing=《营销管理》')).toThrow(/CALLBACK_MANAGEMENT_RULES/);
    expect(() => parseManagementRules('flow=')).toThrow(/CALLBACK_MANAGEMENT_RULES/);
    expect(managementAreas.map((a) => a.title)).toEqual([
      '回访流程和界面管理',
      '电子档案管理',
      '回访质量抽检',
      '问题件处理',
      '纠纷处理',
      '内部责任追究',
    ]);
    expect(listSetting('北京市, 上海市，广东省、北京市')).toEqual(['北京市', '上海市', '广东省']);
  });

  it('shows sampling rates exactly as percentages', () => {
    expect(ratePercent('0.05')).toBe('5.00%');
    expect(ratePercent('0.123456')).toBe('12.3456%');
    expect(ratePercent('0.12345')).toBe('12.345%');
    expect(ratePercent('1')).toBe('100.00%');
    expect(ratePercent('0')).toBe('0.00%');
  });

  it('§2.7 builds a document with every content the notice asks for, in its order, and the gaps still to fill', async () => {
    const model = firstUseReportModel(content(), { contentSha256: 'a'.repeat(64), createdAt: new Date('2026-03-05T02:00:00Z') });
    expect(documentModelSchema.safeParse(model).success).toBe(true);
    expect(model.sections.map((s) => s.heading)).toEqual([
      '一、基本情况',
      '二、管理制度',
      '三、信息管理系统建设情况',
      '四、回访载体、方式及流程',
      '五、适用渠道',
      '六、适用产品',
      '七、地区范围',
      '八、客户身份真实性识别手段',
      '九、回访质量抽检',
      '报送前须补充的事项',
    ]);
    const text = JSON.stringify(model);
    for (const s of [
      '北京市、上海市',
      '《电子化回访管理办法》',
      '未配置',
      '12.3456%',
      '人脸识别',
      'TERM_LIFE_20Y',
      '2026-03-16',
      '管理制度“电子档案管理”的制度文件',
      'SM3',
    ])
      expect(text).toContain(s);
    expect(model.footer).toContain('尚不可报送');
    const ready = firstUseReportModel(content({ gaps: [] }), {
      contentSha256: 'b'.repeat(64),
      createdAt: new Date('2026-03-05T02:00:00Z'),
    });
    expect(ready.sections.map((s) => s.heading)).not.toContain('报送前须补充的事项');
    expect(ready.footer).not.toContain('尚不可报送');
    const pdf = await renderDocument(model);
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
  });
});
