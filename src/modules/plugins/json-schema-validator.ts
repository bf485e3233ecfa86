import { Ajv, type Options, type ValidateFunction } from 'ajv';
import type { Violation } from '../../common/errors/app-error.js';
import { addFormats, violationsOf } from '../../common/validation/json-schema.js';
import { linearRegExpEngine } from './linear-regexp.js';

/** Lenient about unknown keywords such as "title" or UI hints; all errors reported. */
const COMMON: Options = { allErrors: true, strict: false, allowUnionTypes: true, validateFormats: true };

/**
 * JSON Schema validation for plugin JSON, in two trust levels.
 *
 * Plugin schemas (config_schema(), written by plugin authors): `compile` / `violations`. Each
 * schema gets an Ajv instance of its own, so one plugin's `$id` can neither clash with another
 * plugin's nor with the previous version of the same plugin (a shared instance refused both until
 * restart). Its `pattern` / `patternProperties` / `propertyNames` regexes run in RE2's linear-time
 * engine (linear-regexp.ts), never in V8's backtracking one; a pattern RE2 cannot run makes the
 * schema fail to compile, with the reason. Compiled validators are cached by schema object, so an
 * instance lives as long as the schema object it was built for. The schema itself is checked
 * against its meta-schema by a shared instance first (that check adds nothing to the instance,
 * and compiling the meta-schema once instead of per plugin saves ~10 ms per schema).
 *
 * The runtime's own schemas (plugin-results.ts, fixed at build time): `compileOwn` /
 * `ownViolations`, one shared instance with V8's engine.
 *
 * Not done here: remote `$ref`s (never fetched), and `$data` references (off).
 */
export class JsonSchemaValidator {
  private readonly own: Ajv;
  private readonly meta: Ajv;
  private readonly pluginCache = new WeakMap<object, ValidateFunction>();
  private readonly ownCache = new WeakMap<object, ValidateFunction>();

  constructor() {
    this.own = new Ajv(COMMON);
    addFormats(this.own);
    this.meta = new Ajv(COMMON);
  }

  /**
   * Compiles a plugin-authored schema in an Ajv of its own, patterns in linear time; throws with
   * ajv's reason (or the pattern's) when it does not compile. Uncached: use `compile` for that.
   */
  static forPluginSchema(schema: object, meta?: Ajv): ValidateFunction {
    const checker = meta ?? new Ajv(COMMON);
    if (!checker.validateSchema(schema)) throw new Error(`schema is invalid: ${checker.errorsText(checker.errors)}`);
    const ajv = new Ajv({ ...COMMON, validateSchema: false, code: { regExp: linearRegExpEngine } });
    addFormats(ajv);
    return ajv.compile(schema);
  }

  /** A plugin schema's compiled validator (cached by schema object); see forPluginSchema. */
  compile(schema: object): ValidateFunction {
    let validate = this.pluginCache.get(schema);
    if (!validate) {
      validate = JsonSchemaValidator.forPluginSchema(schema, this.meta);
      this.pluginCache.set(schema, validate);
    }
    return validate;
  }

  /** Violations of `value` against a plugin schema, with `root` naming the value ("config"). */
  violations(schema: object, value: unknown, root: string): Violation[] {
    return violationsOf(this.compile(schema), value, root);
  }

  /** One of the runtime's own schemas, compiled in the shared instance (cached by schema object). */
  compileOwn(schema: object): ValidateFunction {
    let validate = this.ownCache.get(schema);
    if (!validate) {
      validate = this.own.compile(schema);
      this.ownCache.set(schema, validate);
    }
    return validate;
  }

  /** Violations of `value` against one of the runtime's own schemas ("send()"). */
  ownViolations(schema: object, value: unknown, root: string): Violation[] {
    return violationsOf(this.compileOwn(schema), value, root);
  }
}
