// The operator's account pages of issue 17 (new licence, new phone in a tenant), in Debian's
// chromium at 1366, 390, 360 and 430 px (test/helpers/layout-suite.ts).
import { roleLayoutSuite } from '../helpers/layout-suite.ts';
import { ACCOUNT_PAGES } from '../helpers/cockpit.ts';

roleLayoutSuite('operator', { operator: ACCOUNT_PAGES.operator });
