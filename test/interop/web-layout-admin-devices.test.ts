// The admin role's second half of pages (phones, their files, network, keys, resync), with the
// shared checks of web-layout-admin.test.ts (test/helpers/layout-suite.ts).
import { roleLayoutSuite } from '../helpers/layout-suite.ts';
import { ROLE_PAGES } from '../helpers/cockpit.ts';

const half = Math.ceil(ROLE_PAGES.admin.length / 2);
roleLayoutSuite('admin', { admin: ROLE_PAGES.admin.slice(half) });
