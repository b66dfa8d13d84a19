// The parc pages of issue 16 (firmware inventory, bulk edit) for the admin role, in Debian's
// chromium at 1366, 390, 360 and 430 px with the shared checks (test/helpers/layout-suite.ts).
import { roleLayoutSuite } from '../helpers/layout-suite.ts';
import { PARC_PAGES } from '../helpers/cockpit.ts';

roleLayoutSuite('admin', { admin: PARC_PAGES });
