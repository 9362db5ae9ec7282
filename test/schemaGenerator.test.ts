import { type AnyModel, codePrecedence, DistdbError, defineModel, f, validateRecord } from 'distdb';
import { describe, expect, it } from 'vitest';
import {
  createGenerator,
  type Intent,
  SchemaGenerator,
} from '../dist/simulation/datasets/schemaGenerator.js';
import { BLOG_MODELS, Category, Comment, Post } from './support/blogSchema.js';

const SPEC = {
  seed: 11,
  invalidRatio: 0.3,
  counts: { authors: 2000, categories: 500, tags: 500, posts: 3000, comments: 4000 },
};

const generator = createGenerator(SPEC, BLOG_MODELS);

const intents = new Map<AnyModel, Intent[]>(
  BLOG_MODELS.map((m) => [
    m,
    Array.from({ length: SPEC.counts[m.datasetKey as keyof typeof SPEC.counts] }, (_, i) =>
      generator.intent(m, i),
    ),
  ]),
);

/** The code distdb reports for a record's own problems: the first by its model's precedence. */
function firstIssue(model: AnyModel, record: unknown): string | undefined {
  const rank = new Map(codePrecedence([model]).map((c, i) => [c, i]));
  const codes = validateRecord(model, record).issues.map((i) => i.code);
  codes.sort((a, b) => (rank.get(a) ?? 1e9) - (rank.get(b) ?? 1e9));
  return codes[0];
}

describe('schema generator (blog)', () => {
  it('records expecting a field rule code or unknown_field get exactly it from validateRecord', () => {
    let checked = 0;
    for (const [model, list] of intents) {
      const ruleCodes = new Set(model.fields.map((x) => x.invalidCode));
      for (const [i, g] of list.entries()) {
        const own = firstIssue(model, g.record);
        if (ruleCodes.has(g.expected) || g.expected === 'unknown_field') {
          checked++;
          expect({ model: model.label, i, code: own }).toEqual({ model: model.label, i, code: g.expected });
        } else {
          // ok, a duplicate or a reference to a record that does not land: nothing wrong on its own.
          expect({ model: model.label, i, code: own, expected: g.expected }).toMatchObject({
            code: undefined,
          });
        }
      }
    }
    expect(checked).toBeGreaterThan(2500);
  });

  it('the same (seed, index) gives the same record, in any order and from any instance', () => {
    const fresh = new SchemaGenerator(SPEC, BLOG_MODELS);
    for (const [model, list] of intents) {
      // Backwards, in odd-sized ranges, as other workers would.
      for (let start = list.length - 97; start > -97; start -= 97) {
        const from = Math.max(0, start);
        const got = fresh.range(model, from, start + 97 - from);
        expect(got).toEqual(
          list.slice(from, start + 97).map(({ record, expected }) => ({ record, expected })),
        );
      }
    }
    const other = new SchemaGenerator({ ...SPEC, seed: 12 }, BLOG_MODELS);
    expect(other.range(Post, 0, 50)).not.toEqual(generator.range(Post, 0, 50));
  });

  it('every violation kind of every model occurs, and none needed a fallback', () => {
    for (const [model, list] of intents) {
      const seen = new Map<string, number>();
      for (const g of list) seen.set(g.violation, (seen.get(g.violation) ?? 0) + 1);
      const odd = [...seen.keys()].filter((v) => /fallback|clean_invalid|failed_ref:missing/.test(v));
      expect({ model: model.label, odd }).toEqual({ model: model.label, odd: [] });
      const never = generator.violationNames(model).filter((v) => !seen.has(v));
      expect({ model: model.label, never }).toEqual({ model: model.label, never: [] });
    }
    // The kinds the blog's fields call for are all among them.
    const names = new Set(
      BLOG_MODELS.flatMap((m) => generator.violationNames(m).map((v) => `${m.label}.${v}`)),
    );
    for (const kind of [
      'Author.id:zero',
      'Author.id:negative',
      'Author.id:fraction',
      'Author.id:string',
      'Author.id:missing',
      'Author.id:duplicate',
      'Author.karma:below_min',
      'Author.karma:above_max',
      'Author.karma:fraction',
      'Author.karma:string',
      'Author.karma:null',
      'Author.name:too_short',
      'Author.name:blank',
      'Author.name:too_long',
      'Author.name:nul',
      'Author.name:not_string',
      'Author.handle:pattern',
      'Author.handle:duplicate',
      'Author.email:malformed',
      'Author.email:duplicate',
      'Author.email:too_long',
      'Author.verified:not_boolean',
      'Author.joined_at:impossible_date',
      'Author.joined_at:no_zone',
      'Author.joined_at:garbage',
      'Author.joined_at:missing',
      'Post.price:places',
      'Post.price:below_min',
      'Post.price:above_max',
      'Post.price:not_number',
      'Post.tips:too_many_digits',
      'Post.status:unlisted',
      'Post.sku:pattern',
      'Post.sku:duplicate',
      'Post.author_id:missing_ref',
      'Post.author_id:failed_ref',
      'Post.category_id:zero',
      'Comment.post_id:failed_ref',
      'Comment.author_id:missing_ref',
      'Category.slug:duplicate',
      'Tag.label:duplicate',
      'Tag.color:pattern',
      'Comment.unknown_field',
    ]) {
      expect(names).toContain(kind);
    }
  });

  it('every failure code of every model is expected somewhere, and most records land', () => {
    for (const [model, list] of intents) {
      const counts = new Map<string, number>();
      for (const g of list) counts.set(g.expected, (counts.get(g.expected) ?? 0) + 1);
      const missing = [...model.codes, 'unknown_field'].filter((c) => !counts.has(c));
      expect({ model: model.label, missing }).toEqual({ model: model.label, missing: [] });
      expect((counts.get('ok') ?? 0) / list.length).toBeGreaterThan(0.55);
    }
  });

  it('landing records hold distinct unique values; duplicates copy one that landed earlier', () => {
    for (const [model, list] of intents) {
      for (const field of model.fields.filter((x) => x.duplicateCode !== undefined)) {
        const key = (v: unknown) => (field.caseInsensitive ? String(v).toLowerCase() : String(v));
        const holder = new Map<string, number>();
        list.forEach((g, i) => {
          const value = (g.record as Record<string, unknown>)[field.name];
          if (g.expected === 'ok') {
            expect(holder.has(key(value))).toBe(false);
            holder.set(key(value), i);
          } else if (g.expected === field.duplicateCode) {
            expect(holder.get(key(value))).toBeLessThan(i);
          }
        });
      }
    }
  });

  it('references of landing records point at landing records; bad ones at records that do not land', () => {
    const landed = (m: AnyModel) =>
      new Set((intents.get(m) ?? []).flatMap((g, i) => (g.expected === 'ok' ? [i + 1] : [])));
    const posts = landed(Post);
    for (const g of intents.get(Comment) ?? []) {
      const postId = (g.record as { post_id: unknown }).post_id as number;
      if (g.expected === 'ok') expect(posts.has(postId)).toBe(true);
      if (g.expected === 'unknown_post') expect(posts.has(postId)).toBe(false);
    }
    expect(landed(Category).size).toBeGreaterThan(300);
  });

  it('records stay small', () => {
    for (const list of intents.values()) {
      for (const g of list) expect(JSON.stringify(g.record).length).toBeLessThan(5000);
    }
  });

  it('finds texts for patterns with literals, classes, counts and Unicode properties', () => {
    const Doc = defineModel({
      name: 'Doc',
      table: 'docs',
      fields: {
        id: f.id(),
        sku: f.text({ pattern: '^SKU-\\d+$', maxLength: 20, unique: true }),
        file: f.text({ pattern: '^[a-z]+\\.md$', maxLength: 40 }),
        word: f.text({ pattern: '^\\p{Lu}\\p{Ll}+$', maxLength: 20 }),
        tagged: f.text({ pattern: 'ab', maxLength: 30 }),
        code: f.text({ pattern: '^[A-Z]{2}[0-9]{3}$', maxLength: 5, unique: 'ci' }),
        lengthy: f.text({ minLength: 300, maxLength: 400, trim: true }),
      },
    });
    const docs = new SchemaGenerator({ seed: 2, invalidRatio: 0.3, counts: { docs: 900 } }, [Doc]);
    const seen = new Set<string>();
    for (let i = 0; i < 900; i++) {
      const g = docs.intent(Doc, i);
      seen.add(g.violation);
      if (g.expected === 'ok') expect(validateRecord(Doc, g.record).issues).toEqual([]);
      else if (!g.expected.startsWith('duplicate_')) expect(firstIssue(Doc, g.record)).toBe(g.expected);
    }
    expect([...seen].filter((v) => /fallback|clean_invalid/.test(v))).toEqual([]);
    for (const field of ['sku', 'file', 'word', 'tagged', 'code']) expect(seen).toContain(`${field}:pattern`);
  });

  it('a pattern no generated text matches is a usage error naming Model.field', () => {
    const Lost = defineModel({
      name: 'Lost',
      table: 'lost',
      fields: { id: f.id(), code: f.text({ pattern: '^[^\\s\\S]$', maxLength: 10 }) },
    });
    const make = () => new SchemaGenerator({ seed: 1, invalidRatio: 0.1, counts: { lost: 10 } }, [Lost]);
    expect(make).toThrow(DistdbError);
    expect(make).toThrow(/Lost\.code: cannot generate text matching pattern/);
    try {
      make();
    } catch (err) {
      expect((err as DistdbError).kind).toBe('usage');
    }
  });

  it('a unique text too short for the count is a usage error; a model without records is fine', () => {
    const Tiny = defineModel({
      name: 'Tiny',
      table: 'tiny',
      fields: { id: f.id(), code: f.text({ pattern: '^[0-9]+$', maxLength: 2, unique: true }) },
    });
    expect(() => new SchemaGenerator({ seed: 1, invalidRatio: 0, counts: { tiny: 1000 } }, [Tiny])).toThrow(
      /Tiny\.code: cannot generate text matching pattern .* with 1000 distinct values/,
    );
    const none = new SchemaGenerator({ seed: 1, invalidRatio: 0.5, counts: {} }, [Category]);
    expect(none.range(Category, 0, 0)).toEqual([]);
  });
});
