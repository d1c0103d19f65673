import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { eq } from 'drizzle-orm';
import type { Role } from '@flightdeck/workflows';
import type { AppServices } from '../api/app.ts';
import type { Database } from '../db/client.ts';
import { flows } from '../db/schema.ts';
import type { Actor } from '../auth/access.ts';
import { scenarioSchema } from '../api/contracts/campaigns.ts';
import { TEMPLATES } from '../templates/standard-launch-approval.ts';
import { seedDemoLessons } from './demo-lessons.ts';

export const DEMO_PASSWORD = 'flightdeck-demo';
const SCENARIOS = fileURLToPath(new URL('../../seed/', import.meta.url));

interface DemoUser {
  email: string;
  name: string;
  department: string;
  grants: { role: Role; department: string | null }[];
  heads?: string;
}

/** People for the 618 story: a designer, the reviewers, the heads, an analyst and a viewer. */
export const DEMO_USERS: DemoUser[] = [
  {
    email: 'dana@demo.flightdeck',
    name: 'Dana Designer 设计',
    department: 'E-commerce',
    grants: [
      { role: 'designer', department: 'E-commerce' },
      { role: 'designer', department: 'CRM' },
    ],
  },
  {
    email: 'bella@demo.flightdeck',
    name: 'Bella Brand 品牌',
    department: 'Brand',
    grants: [
      { role: 'approver', department: 'Brand' },
      { role: 'viewer', department: 'E-commerce' },
    ],
  },
  { email: 'bruno@demo.flightdeck', name: 'Bruno Brand 品牌', department: 'Brand', grants: [{ role: 'approver', department: 'Brand' }] },
  {
    email: 'leo@demo.flightdeck',
    name: 'Leo Legal 法务',
    department: 'Legal',
    grants: [
      { role: 'approver', department: 'Legal' },
      { role: 'viewer', department: 'E-commerce' },
    ],
  },
  {
    email: 'evan@demo.flightdeck',
    name: 'Evan E-commerce Head 电商负责人',
    department: 'E-commerce',
    heads: 'E-commerce',
    grants: [
      { role: 'approver', department: 'E-commerce' },
      { role: 'analyst', department: 'E-commerce' },
    ],
  },
  {
    email: 'fiona@demo.flightdeck',
    name: 'Fiona Finance Director 财务总监',
    department: 'Finance',
    heads: 'Finance',
    grants: [
      { role: 'approver', department: 'Finance' },
      { role: 'viewer', department: null },
    ],
  },
  {
    email: 'cora@demo.flightdeck',
    name: 'Cora CRM Head 会员负责人',
    department: 'CRM',
    heads: 'CRM',
    grants: [{ role: 'department_admin', department: 'CRM' }],
  },
  {
    email: 'ana@demo.flightdeck',
    name: 'Ana Analyst 分析',
    department: 'E-commerce',
    grants: [{ role: 'analyst', department: 'E-commerce' }],
  },
  {
    email: 'victor@demo.flightdeck',
    name: 'Victor Viewer 访客',
    department: 'E-commerce',
    grants: [{ role: 'viewer', department: 'E-commerce' }],
  },
];

/**
 * Demo data for a first look: departments, the people above (password "flightdeck-demo"), both
 * scenario campaigns and the template flows. Idempotent: it only adds what is missing.
 */
export async function seedDemo(db: Database, services: AppServices, admin: Actor): Promise<{ created: boolean }> {
  const { people, campaigns, flows: flowService } = services;
  const first = !(await people.userByEmail(DEMO_USERS[0]!.email));
  const depts = new Map<string, string>();
  for (const name of ['E-commerce', 'CRM', 'Brand', 'Legal', 'Finance']) depts.set(name, (await people.ensureDepartment(admin, name)).id);
  for (const u of DEMO_USERS) {
    let row = await people.userByEmail(u.email);
    if (!row) {
      const created = await people.createUser(admin, {
        email: u.email,
        name: u.name,
        password: DEMO_PASSWORD,
        departmentId: depts.get(u.department) ?? null,
      });
      for (const g of u.grants)
        await people.grant(admin, { userId: created.id, role: g.role, departmentId: g.department ? depts.get(g.department)! : null });
      row = await people.userByEmail(u.email);
    }
    if (u.heads) await people.ensureDepartment(admin, u.heads, row!.id);
  }
  const dana = await people.actorFor((await people.userByEmail(DEMO_USERS[0]!.email))!, 'system');
  for (const file of readdirSync(SCENARIOS).filter((f) => f.endsWith('.campaign.json'))) {
    const scenario = scenarioSchema.parse(JSON.parse(readFileSync(SCENARIOS + file, 'utf8')));
    if (first) await campaigns.importScenario(dana, scenario, (name) => people.ensureDepartment(admin, name));
  }
  await seedDemoLessons(db, people, services.lessons);
  for (const template of TEMPLATES) {
    const exists = await db.query.flows.findFirst({ where: eq(flows.name, template.name) });
    if (!exists) {
      const flow = await flowService.create(
        { ...dana, via: 'system' },
        { name: template.name, description: template.description, graph: template.graph, departmentId: depts.get('E-commerce')! },
      );
      await flowService.publish(dana, flow.id, 'Template');
    }
  }
  return { created: first };
}
