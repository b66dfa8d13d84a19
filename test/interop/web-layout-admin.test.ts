// The cockpit's pages for the admin role, in Debian's chromium at 1366, 390, 360 and 430 px: no
// sideways scroll, every control named, contrast of 4.5:1 or more, visible focus that no sticky
// bar covers. Screenshots: test/screenshots/admin-<page>-<width>.png. The checks and the page list
// are shared (test/helpers/layout-suite.ts, test/helpers/cockpit.ts). The admin's pages are many:
// the first half here, the rest in web-layout-admin-devices.test.ts (one file took 300 s at load 20).
import { roleLayoutSuite } from '../helpers/layout-suite.ts';
import { ROLE_PAGES } from '../helpers/cockpit.ts';

const half = Math.ceil(ROLE_PAGES.admin.length / 2);
roleLayoutSuite('admin', { admin: ROLE_PAGES.admin.slice(0, half) });
