import type { Kysely, Migration } from 'kysely';

/**
 * The service kinds one may request (services/service-kinds.ts): a list the district's admins
 * extend, rename and retire, instead of a fixed enum. Seeded with the seed's menu; the four codes
 * orders already carry (meal_delivery, visit, accompany_clinic, phone_help) keep their meaning.
 * A kind is retired, never deleted: old orders and their reports still name it. Each change is
 * kept in service_kind_changes (who, when, what).
 */
const seedMenu: Array<[code: string, zh: string, en: string]> = [
  ['companionship', '陪伴慰藉', 'Comfort and company'],
  ['visit', '探访', 'Visit'],
  ['anti_fraud_training', '防诈骗培训', 'Anti-fraud training'],
  ['smart_device_training', '智能设备培训', 'Smart-device training'],
  ['meal_delivery', '送餐', 'Meal delivery'],
  ['accompany_clinic', '陪同就医', 'Clinic escort'],
  ['phone_help', '电话关怀', 'Phone call'],
];

export default {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('service_kinds')
      .addColumn('code', 'text', (c) => c.primaryKey())
      .addColumn('label_zh', 'text', (c) => c.notNull())
      .addColumn('label_en', 'text', (c) => c.notNull())
      // The menu's order: the seed's, then kinds in the order they were added.
      .addColumn('position', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addColumn('retired_at', 'bigint')
      .addColumn('retired_by', 'text')
      .execute();
    await db.schema
      .createTable('service_kind_changes')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('code', 'text', (c) => c.notNull())
      .addColumn('at', 'bigint', (c) => c.notNull())
      .addColumn('actor', 'text', (c) => c.notNull())
      .addColumn('actor_role', 'text', (c) => c.notNull())
      .addColumn('action', 'text', (c) => c.notNull())
      // JSON: the labels before and after.
      .addColumn('detail', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('service_kind_changes_at')
      .on('service_kind_changes')
      .columns(['at', 'id'])
      .execute();
    await (db as Kysely<{ service_kinds: Record<string, unknown> }>)
      .insertInto('service_kinds')
      .values(
        seedMenu.map(([code, zh, en], i) => ({
          code,
          label_zh: zh,
          label_en: en,
          position: i + 1,
          created_at: 0,
          created_by: 'seed',
          updated_at: 0,
          retired_at: null,
          retired_by: null,
        })),
      )
      .execute();
  },
} satisfies Migration;
