import { AppError } from '../../../common/errors/app-error.js';
import { MAX_SECTION_DEPTH, parseTemplate, placeholdersOf, RenderLimitExceeded, renderText, TemplateSyntaxError } from './template-renderer.js';
import { checkTemplate, languageFallback, TEMPLATE_LIMITS, templateWarnings } from './template-rules.js';

const violationsOf = (fn: () => unknown): { field: string; message: string }[] => {
  try {
    fn();
  } catch (err) {
    if (err instanceof AppError && err.code === 'common.validation_failed') return (err.details as { violations: { field: string; message: string }[] }).violations;
    throw err;
  }
  throw new Error('expected a validation failure');
};

describe('template renderer', () => {
  it('renders names, nested names and sections over arrays', () => {
    const params = { name: 'Ann', order: { id: 'o-1', total: 12.5 }, items: [{ sku: 'a' }, { sku: 'b' }], empty: [] };
    expect(renderText('Hi {{name}}, order {{order.id}} ({{order.total}}): {{#items}}[{{sku}} for {{name}}]{{/items}}{{^empty}}none{{/empty}}', params, false)).toEqual({
      text: 'Hi Ann, order o-1 (12.5): [a for Ann][b for Ann]none',
      missing: [],
    });
  });

  it('reports every printed name without a value (absent or null), once each, instead of printing nothing', () => {
    expect(renderText('{{a}} {{b}} {{a}} {{c.d}} {{n}}', { b: 'x', c: {}, n: null }, false)).toEqual({ text: ' x   ', missing: ['a', 'c.d', 'n'] });
  });

  it('treats a section on an absent name as false, not as a missing param (the way to say "optional")', () => {
    expect(renderText('Hi{{#nick}} {{nick}}{{/nick}}!', {}, false)).toEqual({ text: 'Hi!', missing: [] });
  });

  it('never reaches Object.prototype: constructor, __proto__, toString, hasOwnProperty are missing params', () => {
    const result = renderText('{{constructor}}|{{__proto__}}|{{toString}}|{{hasOwnProperty}}|{{name.constructor}}|{{#valueOf}}x{{/valueOf}}', { name: 'n' }, true);
    expect(result).toEqual({ text: '|||||', missing: ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'name.constructor'] });
    // An own property named like one (JSON.parse makes "__proto__" an own key) is just data.
    expect(renderText('{{__proto__}}', JSON.parse('{"__proto__": "own"}') as Record<string, unknown>, false).text).toBe('own');
  });

  it('HTML-escapes values in HTML texts (email bodies) and prints them verbatim in plain ones (sms)', () => {
    const params = { name: '<script>alert("x")</script> & <b>co</b>' };
    expect(renderText('Hi {{name}}', params, true).text).toBe('Hi &lt;script&gt;alert(&quot;x&quot;)&lt;&#x2F;script&gt; &amp; &lt;b&gt;co&lt;&#x2F;b&gt;');
    expect(renderText('Hi {{name}}', params, false).text).toBe(`Hi ${params.name}`);
    // The template's own markup is the author's: only values are escaped.
    expect(renderText('<p>{{name}}</p>', { name: 'a<b' }, true).text).toBe('<p>a&lt;b</p>');
  });

  it('prints {{{triple}}} and {{& x}} unescaped (refused in email bodies when saved, see below)', () => {
    expect(renderText('{{{x}}} {{& x}}', { x: '<i>' }, true).text).toBe('<i> <i>');
  });

  it('prints numbers, booleans and objects as JSON', () => {
    expect(renderText('{{n}} {{t}} {{o}} {{l}}', { n: 3, t: false, o: { a: 1 }, l: [1, 'x'] }, false).text).toBe('3 false {"a":1} [1,"x"]');
  });

  it('refuses unbalanced and unclosed tags with mustache\'s message', () => {
    for (const [source, message] of [
      ['{{#items}}x', 'Unclosed section "items" at 11'],
      ['x {{name', 'Unclosed tag at 8'],
      ['{{/items}}', 'Unopened section "items" at 0'],
      ['{{#a}}{{/b}}', 'Unclosed section "a" at 6'],
    ]) {
      expect(() => parseTemplate(source)).toThrow(new TemplateSyntaxError(message));
    }
    // A lone brace is text.
    expect(renderText('{ {x} }} {{x}}', { x: 1 }, false).text).toBe('{ {x} }} 1');
  });

  it('lists placeholders with their kind and enclosing sections', () => {
    expect(placeholdersOf(parseTemplate('{{a}}{{#s}}{{b}}{{{c}}}{{/s}}{{> p}}'))).toEqual([
      { name: 'a', kind: 'variable', sections: [] },
      { name: 's', kind: 'section', sections: [] },
      { name: 'b', kind: 'variable', sections: ['s'] },
      { name: 'c', kind: 'raw', sections: ['s'] },
      { name: 'p', kind: 'partial', sections: [] },
    ]);
  });

  it('renders a 100 KB template and a 1 MB params object quickly (no quadratic behaviour)', () => {
    const unit = 'Line {{name}} and {{#items}}{{v}},{{/items}}\n';
    const template = unit.repeat(Math.floor((100 * 1024) / unit.length));
    expect(Buffer.byteLength(template)).toBeLessThanOrEqual(TEMPLATE_LIMITS.contentBytes);
    const items = Array.from({ length: 20 }, (_, i) => ({ v: i }));
    const big = { name: 'x'.repeat(1024 * 1024), items };
    const started = performance.now();
    // Caps lifted: this is about the cost of rendering, not the render limits (tested below).
    const uncapped = { outputChars: 1e9, work: 1e9 };
    const small = renderText(template, { name: 'n', items }, true, uncapped);
    const large = renderText('{{name}}', big, true, uncapped);
    const elapsed = performance.now() - started;
    expect(small.missing).toEqual([]);
    expect(small.text.length).toBeGreaterThan(100 * 1024);
    expect(large.text.length).toBe(1024 * 1024);
    // A wide 1 MB object (many keys) looked up in place, not copied per lookup.
    const wide = Object.fromEntries(Array.from({ length: 40_000 }, (_, i) => [`k${i}`, 'v'.repeat(20)]));
    const wideStarted = performance.now();
    expect(renderText('{{k0}}{{k39999}}'.repeat(1000), wide, false).text.length).toBe(40_000);
    expect(performance.now() - wideStarted).toBeLessThan(2_000);
    expect(elapsed).toBeLessThan(2_000);
  });
});

describe('template rules', () => {
  const base = { name: 'welcome_email', type: 'email', content: 'Hello {{full_name}}' };

  it('fills the defaults of a create: language = DEFAULT_LANGUAGE, no trigger, no subject', () => {
    expect(checkTemplate(base, null, 'en')).toEqual({ name: 'welcome_email', type: 'email', language: 'en', triggerEvent: null, subject: null, content: 'Hello {{full_name}}' });
  });

  it('names every bad field at once', () => {
    expect(violationsOf(() => checkTemplate({ name: 'bad name!', type: 'fax', language: 'english!', triggerEvent: 'user.deleted', subject: 7, content: '' }, null, 'en')).map((v) => v.field)).toEqual([
      'name',
      'type',
      'language',
      'trigger_event',
      'subject',
      'content',
    ]);
    expect(violationsOf(() => checkTemplate({}, null, 'en'))).toEqual([
      { field: 'name', message: 'is required' },
      { field: 'type', message: 'is required' },
      { field: 'content', message: 'is required' },
    ]);
  });

  it('takes a 100 KB content and refuses one byte more; names over 100 and subjects over 500 characters are refused', () => {
    const exact = 'x'.repeat(TEMPLATE_LIMITS.contentBytes);
    expect(checkTemplate({ ...base, content: exact }, null, 'en').content).toBe(exact);
    expect(violationsOf(() => checkTemplate({ ...base, content: `${exact}y` }, null, 'en'))).toEqual([{ field: 'content', message: 'is 102401 bytes; at most 102400 (100 KB)' }]);
    expect(violationsOf(() => checkTemplate({ ...base, name: 'n'.repeat(101) }, null, 'en'))[0].field).toBe('name');
    expect(violationsOf(() => checkTemplate({ ...base, subject: 's'.repeat(501) }, null, 'en'))[0].field).toBe('subject');
  });

  it('refuses syntax errors naming the field, with mustache\'s message', () => {
    expect(violationsOf(() => checkTemplate({ ...base, subject: 'Hi {{name', content: '{{#items}}x' }, null, 'en'))).toEqual([
      { field: 'subject', message: 'is not a valid template: Unclosed tag at 9' },
      { field: 'content', message: 'is not a valid template: Unclosed section "items" at 11' },
    ]);
  });

  it('refuses sections nested deeper than MAX_SECTION_DEPTH when saved, without recursing as deep as the input', () => {
    const nest = (depth: number): string => '{{#s}}'.repeat(depth) + 'x' + '{{/s}}'.repeat(depth);
    expect(() => checkTemplate({ ...base, content: nest(MAX_SECTION_DEPTH) }, null, 'en')).not.toThrow();
    expect(violationsOf(() => checkTemplate({ ...base, content: nest(MAX_SECTION_DEPTH + 1) }, null, 'en'))).toEqual([
      { field: 'content', message: `is not a valid template: sections are nested more than ${MAX_SECTION_DEPTH} deep` },
    ]);
    // 8,000 levels (the 100 KB content allows ~8,500) were a stack overflow in placeholdersOf.
    expect(violationsOf(() => checkTemplate({ ...base, content: nest(8_000) }, null, 'en'))[0].message).toMatch(/nested more than 32 deep/);
    expect(() => templateWarnings({ triggerEvent: 'user.created', subject: null, content: nest(8_000) })).not.toThrow();
    const deep = placeholdersOf(parseTemplate(nest(MAX_SECTION_DEPTH)));
    expect(deep).toHaveLength(MAX_SECTION_DEPTH);
    expect(deep[MAX_SECTION_DEPTH - 1].sections).toHaveLength(MAX_SECTION_DEPTH - 1);
  });

  it('refuses unescaped output in email bodies, allows it in plain-text channels and in subjects', () => {
    expect(violationsOf(() => checkTemplate({ ...base, content: '{{{full_name}}} {{& full_name}}' }, null, 'en'))).toEqual([
      { field: 'content', message: expect.stringContaining('prints full_name unescaped') },
    ]);
    expect(checkTemplate({ ...base, type: 'sms', content: '{{{code}}}' }, null, 'en').content).toBe('{{{code}}}');
    expect(checkTemplate({ ...base, subject: '{{{x}}}' }, null, 'en').subject).toBe('{{{x}}}');
  });

  it('refuses partials', () => {
    expect(violationsOf(() => checkTemplate({ ...base, content: '{{> footer}}' }, null, 'en'))[0]).toEqual({
      field: 'content',
      message: 'uses partials ({{> footer}}), which templates do not support',
    });
  });

  it('warns (never refuses) about placeholders an event-triggered template prints that the payload schema lacks, naming them and the offered', () => {
    const input = { ...base, triggerEvent: 'user.created', subject: 'Welcome {{fullname}}', content: 'Hello {{full_name}} <{{email}}> {{#plan}}{{plan.name}}{{/plan}}' };
    const fields = checkTemplate(input, null, 'en');
    const offered = ['user_id', 'email', 'full_name', 'language'];
    expect(templateWarnings(fields)).toEqual([
      { code: 'notif.template_placeholder_not_in_event', field: 'subject', placeholders: ['fullname'], event: 'user.created', offered, message: expect.stringContaining('subject prints fullname') },
      { code: 'notif.template_placeholder_not_in_event', field: 'content', placeholders: ['plan'], event: 'user.created', offered, message: expect.stringContaining('content prints plan') },
    ]);
    // Names inside a section on a scalar resolve in the payload; {{.}} is the section's value.
    expect(templateWarnings({ triggerEvent: 'report.generated', subject: null, content: '{{#download_url}}<a href="{{.}}">{{report_id}}</a>{{/download_url}}' })).toEqual([]);
    // Without a trigger event any name goes (a manual send brings its own params).
    expect(templateWarnings({ triggerEvent: null, subject: null, content: '{{anything.at.all}}' })).toEqual([]);
    // Seed 002's welcome mail prints {{name}}: saved, with the warning.
    expect(templateWarnings({ triggerEvent: 'user.created', subject: null, content: 'Xin chào {{name}}' })[0]).toMatchObject({ placeholders: ['name'] });
  });

  it('updates partially: omitted fields keep their value, null clears subject and trigger_event', () => {
    const now = new Date();
    const current = { id: 'x', name: 'a', type: 'sms' as const, language: 'vi', triggerEvent: 'password.reset_requested', subject: 'S', content: 'Code {{code}}', version: 1, createdAt: now, updatedAt: now };
    expect(checkTemplate({ content: 'Mã: {{code}}' }, current, 'en')).toEqual({ name: 'a', type: 'sms', language: 'vi', triggerEvent: 'password.reset_requested', subject: 'S', content: 'Mã: {{code}}' });
    expect(checkTemplate({ subject: null, triggerEvent: null }, current, 'en')).toMatchObject({ subject: null, triggerEvent: null });
    // The whole template is checked: a new trigger event warns about the kept content.
    expect(templateWarnings(checkTemplate({ triggerEvent: 'user.created' }, current, 'en'))).toMatchObject([{ field: 'content', placeholders: ['code'] }]);
  });

  it('falls back from a language to its primary subtag, then to the default language', () => {
    expect(languageFallback('pt-BR', 'en')).toEqual(['pt-br', 'pt', 'en']);
    expect(languageFallback('vi', 'en')).toEqual(['vi', 'en']);
    expect(languageFallback('en', 'en')).toEqual(['en']);
    expect(languageFallback(null, 'vi')).toEqual(['vi']);
    expect(languageFallback('xx-unknown', 'en')).toEqual(['xx-unknown', 'xx', 'en']);
  });
});

describe('render limits', () => {
  const nested = '{{#a}}{{#a}}{{#a}}{{b}}{{/a}}{{/a}}{{/a}}';
  const items = { a: Array.from({ length: 400 }, () => ({})), b: 'x' };

  it('stops three nested sections over 400 items (64 million steps) at the work cap, in milliseconds', () => {
    const started = process.hrtime.bigint();
    let thrown: unknown;
    try {
      renderText(nested, items, false, { outputChars: 1_000_000_000, work: 200_000 });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(RenderLimitExceeded);
    expect(thrown).toMatchObject({ limit: 'work', max: 200_000 });
    // Not a timing assertion on the product, a bound on the test itself: without the cap this runs for tens of seconds.
    expect(Number(process.hrtime.bigint() - started) / 1e6).toBeLessThan(5_000);
  });

  it('counts empty sections as work too, so nesting with nothing printed is bounded', () => {
    expect(() => renderText('{{#a}}{{#a}}{{#a}}{{/a}}{{/a}}{{/a}}', items, false, { outputChars: 1_000, work: 10_000 })).toThrow(RenderLimitExceeded);
  });

  it('stops at the output cap, counting escaped text as it is printed', () => {
    expect(() => renderText('{{v}}', { v: 'x'.repeat(2_000) }, false, { outputChars: 1_999, work: 1_000 })).toThrow(/exceed 1999 characters/);
    expect(renderText('{{v}}', { v: 'x'.repeat(2_000) }, false, { outputChars: 2_000, work: 1_000 }).text).toHaveLength(2_000);
    // '<' escapes to '&lt;': four characters each.
    expect(() => renderText('{{v}}', { v: '<'.repeat(600) }, true, { outputChars: 2_000, work: 1_000 })).toThrow(RenderLimitExceeded);
    expect(() => renderText('{{#a}}hello {{/a}}', items, false, { outputChars: 1_000, work: 1_000_000 })).toThrow(/exceed 1000 characters/);
  });

  it('leaves an ordinary render alone, and the next render starts with a fresh budget', () => {
    const limits = { outputChars: 100, work: 50 };
    for (let i = 0; i < 3; i++) expect(renderText('Hi {{name}}, {{#items}}[{{.}}]{{/items}}', { name: 'Ann', items: [1, 2, 3] }, false, limits).text).toBe('Hi Ann, [1][2][3]');
  });
});
