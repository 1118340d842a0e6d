/*
 * The semver functions fairfs uses, imported one by one: the package's index
 * loads all 48 of its modules, a tenth of the start-up of every command.
 */
import coerce from 'semver/functions/coerce.js';
import inc from 'semver/functions/inc.js';
import rcompare from 'semver/functions/rcompare.js';
import rsort from 'semver/functions/rsort.js';
import valid from 'semver/functions/valid.js';

export const semver = { coerce, inc, rcompare, rsort, valid };
