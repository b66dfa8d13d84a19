// The user's account pages of issue 17 (own password, with a wrong current password), in Debian's
// chromium at 1366, 390, 360 and 430 px: the same checks as the other layout files
// (test/helpers/layout-suite.ts). The admin's and the operator's: web-layout-accounts-<role>.
import { roleLayoutSuite } from '../helpers/layout-suite.ts';
import { ACCOUNT_PAGES } from '../helpers/cockpit.ts';

roleLayoutSuite('user', { user: ACCOUNT_PAGES.user });
