import { type AnyModel, defineModel, f } from 'distdb';

/**
 * A second schema for tests: a blog over three databases. Comment → Post → Author is a
 * three-level reference chain; between them every field kind, optional and default fields,
 * patterns, trimmed text and case-insensitive unique text appear.
 *
 * The declarations are JavaScript source, evaluated here with distdb's `defineModel` and `f`
 * and written as is into the config files the CLI loads (blogConfig.ts): both declare the
 * very same models.
 */
export const BLOG_MODELS_SOURCE = `
const Author = defineModel({
  name: 'Author',
  table: 'authors',
  fields: {
    id: f.id(),
    name: f.text({ minLength: 2, maxLength: 80, trim: true }),
    handle: f.text({
      minLength: 3,
      maxLength: 30,
      pattern: '^[A-Za-z][A-Za-z0-9_]*$',
      unique: 'ci',
      duplicateCode: 'handle_taken',
    }),
    email: f.email({ maxLength: 120, unique: 'ci' }),
    bio: f.text({ maxLength: 500, optional: true }),
    verified: f.boolean({ default: false }),
    karma: f.integer({ min: 0, max: 1000000, default: 0 }),
    joined_at: f.timestamp(),
  },
});

const Category = defineModel({
  name: 'Category',
  table: 'categories',
  fields: {
    id: f.id(),
    slug: f.text({ minLength: 2, maxLength: 40, pattern: '^[a-z0-9]+(-[a-z0-9]+)*$', unique: true }),
    title: f.text({ minLength: 2, maxLength: 60, trim: true }),
    position: f.integer({ min: 1, max: 100000 }),
  },
});

const Tag = defineModel({
  name: 'Tag',
  table: 'tags',
  fields: {
    id: f.id(),
    label: f.text({ minLength: 2, maxLength: 30, trim: true, unique: 'ci' }),
    color: f.text({ maxLength: 7, pattern: '^#[0-9a-f]{6}$', optional: true }),
  },
});

const Post = defineModel({
  name: 'Post',
  table: 'posts',
  fields: {
    id: f.id(),
    author_id: f.ref(Author),
    category_id: f.ref(Category, { optional: true }),
    sku: f.text({ maxLength: 10, pattern: '^PST-[0-9]{6}$', unique: true }),
    title: f.text({ minLength: 3, maxLength: 200, trim: true }),
    status: f.enum(['draft', 'published', 'archived'], { default: 'draft' }),
    price: f.decimal({ precision: 14, scale: 4, min: '0', max: '9999999999.9999' }),
    tips: f.decimal({ precision: 12, scale: 2, min: '0', optional: true }),
    rating: f.decimal({ precision: 3, scale: 1, min: '0', max: '5', optional: true, code: 'bad_rating' }),
    featured: f.boolean(),
    word_count: f.integer({ min: 0 }),
    published_at: f.timestamp({ optional: true }),
  },
});

const Comment = defineModel({
  name: 'Comment',
  table: 'comments',
  fields: {
    id: f.id(),
    post_id: f.ref(Post),
    author_id: f.ref(Author, { optional: true, unknownCode: 'unknown_commenter' }),
    body: f.text({ minLength: 1, maxLength: 2000, trim: true }),
    email: f.email({ optional: true }),
    score: f.integer({ min: -1000, max: 1000, default: 0 }),
    flagged: f.boolean({ default: false }),
    sentiment: f.enum(['positive', 'neutral', 'negative'], { optional: true }),
    created_at: f.timestamp(),
  },
});
`;

/** The models the source declares, each after the models it references. */
export const BLOG_MODEL_NAMES = ['Author', 'Category', 'Tag', 'Post', 'Comment'] as const;
export type BlogModelName = (typeof BLOG_MODEL_NAMES)[number];

/** Where each model lives: three databases, run history in `default`. */
export const BLOG_ROUTES: Readonly<Record<BlogModelName | 'Run', string>> = {
  Author: 'people',
  Category: 'content',
  Tag: 'content',
  Post: 'content',
  Comment: 'discussion',
  Run: 'default',
};

export const BLOG_ALIASES = ['default', 'people', 'content', 'discussion'] as const;

function declare(): AnyModel[] {
  // The source only calls defineModel and f: evaluating it is declaring the models in code.
  const body = `${BLOG_MODELS_SOURCE}\nreturn [${BLOG_MODEL_NAMES.join(', ')}];`;
  return new Function('defineModel', 'f', body)(defineModel, f) as AnyModel[];
}

export const BLOG_MODELS: readonly AnyModel[] = declare();

function named(label: BlogModelName): AnyModel {
  const m = BLOG_MODELS.find((x) => x.label === label);
  if (!m) throw new Error(`blog schema has no ${label}`);
  return m;
}

export const Author = named('Author');
export const Category = named('Category');
export const Tag = named('Tag');
export const Post = named('Post');
export const Comment = named('Comment');
