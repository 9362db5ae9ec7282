export { doubleQuoted as quoteId } from '../shared/ident.js';
