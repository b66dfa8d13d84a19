// The cockpit's pages for the admin role, in Debian's chromium at 1366, 390, 360 and 430 px: no
// sideways scroll, every control named, contrast of 4.5:1 or more, visible focus that no sticky
// bar covers. Screenshots: test/screenshots/admin-<page>-<width>.png. The checks and the page list
// are shared (test/helpers/layout-suite.ts, test/helpers/cockpit.ts).
import { roleLayoutSuite } from '../helpers/layout-suite.ts';

roleLayoutSuite('admin');
