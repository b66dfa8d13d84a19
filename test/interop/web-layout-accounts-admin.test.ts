// The admin's account pages of issue 17 (own password, new licence with its errors, licence and
// phone deletion pages, new phone), in Debian's chromium at 1366, 390, 360 and 430 px
// (test/helpers/layout-suite.ts).
import { roleLayoutSuite } from '../helpers/layout-suite.ts';
import { ACCOUNT_PAGES } from '../helpers/cockpit.ts';

roleLayoutSuite('admin', { admin: ACCOUNT_PAGES.admin });
