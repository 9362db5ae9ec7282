import { rmSync } from 'node:fs';
import { type Distdb, defineModel, f, openDistdb } from 'distdb';
import { afterAll, beforeAll } from 'vitest';
import { blogDatabases, migrateBlog } from './blogConfig.js';
import { BLOG_MODELS, BLOG_ROUTES } from './blogSchema.js';
import { tempDir } from './deployments.js';
import { SERVERS, serverAvailable } from './servers.js';

/**
 * Models whose references say what deleting does, over the blog's three databases: a Team
 * (people) has Members (content, cascade), a Member has Tasks (discussion, cascade) and reviews
 * others' Tasks (setNull), and a Pin (people) holds on to a Task (restrict).
 */
export const Team = defineModel({
  name: 'Team',
  table: 'teams',
  fields: { id: f.id(), name: f.text({ minLength: 1, maxLength: 40, unique: true }) },
});

export const Member = defineModel({
  name: 'Member',
  table: 'members',
  fields: {
    id: f.id(),
    team_id: f.ref(Team, { onDelete: 'cascade' }),
    name: f.text({ minLength: 1, maxLength: 40 }),
  },
});

export const Task = defineModel({
  name: 'Task',
  table: 'tasks',
  fields: {
    id: f.id(),
    member_id: f.ref(Member, { onDelete: 'cascade' }),
    reviewer_id: f.ref(Member, { optional: true, onDelete: 'setNull' }),
    title: f.text({ minLength: 1, maxLength: 80 }),
  },
});

export const Pin = defineModel({
  name: 'Pin',
  table: 'pins',
  fields: { id: f.id(), task_id: f.ref(Task), note: f.text({ maxLength: 80 }) },
});

export const RELATION_ROUTES = { Team: 'people', Member: 'content', Task: 'discussion', Pin: 'people' };

export type QueryBackend = 'sqlite' | 'postgres' | 'mysql' | 'mix';

const server = (name: string) => SERVERS.some((s) => s.backend === name && serverAvailable(s));

/**
 * The backends the query suites run on: SQLite always, each server when reachable (a missing
 * one is announced by the global setup, and is an error under CI=true), and the mix of the
 * three (people on SQLite, content on PostgreSQL, discussion on MariaDB).
 */
export function queryBackends(): { name: QueryBackend; available: boolean }[] {
  return [
    { name: 'sqlite', available: true },
    { name: 'postgres', available: server('postgres') },
    { name: 'mysql', available: server('mysql') },
    { name: 'mix', available: server('postgres') && server('mysql') },
  ];
}

export interface QueryDeployment {
  readonly db: Distdb;
  readonly urls: Record<string, string>;
  /** Opens another distdb on the same databases (closed by the caller). */
  reopen(): Promise<Distdb>;
}

/**
 * The blog and the relation models on fresh databases of `backend`, migrated, opened before
 * the describe block's tests and closed and dropped after them.
 */
export function useQueryDeployment(backend: {
  name: QueryBackend;
  available: boolean;
}): () => QueryDeployment {
  let deployment: QueryDeployment | undefined;
  let cleanup = async () => {};
  beforeAll(async () => {
    if (!backend.available) return;
    const dir = tempDir('distdb-queries-');
    const databases = await blogDatabases(backend.name, dir);
    cleanup = async () => {
      await databases.drop();
      rmSync(dir, { recursive: true, force: true });
    };
    const open = () =>
      openDistdb({
        models: [...BLOG_MODELS, Team, Member, Task, Pin],
        databases: databases.urls,
        routes: { ...BLOG_ROUTES, ...RELATION_ROUTES },
        migrations: 'migrations',
        env: {},
        cwd: dir,
      });
    const db = await open();
    await migrateBlog(db);
    deployment = { db, urls: databases.urls, reopen: open };
  });
  afterAll(async () => {
    await deployment?.db.close();
    await cleanup();
  });
  return () => deployment as QueryDeployment;
}
