/**
 * Abbreviations whose trailing period does not end a sentence, per language (ISO 639-1 key, lowercase, without the
 * final period). ICU's sentence rules know no abbreviations beyond a tiny built-in list, so "Dr. Smith" or
 * "Nr. 5" would otherwise split. The lists are ours, gathered for common prose; extend them where a language needs it.
 */

/** Titles and the like that are always followed by a name: never a sentence end, whatever comes next. */
export const PREPOSITIVE: Record<string, readonly string[]> = {
  en: ['adm', 'attys', 'brig', 'capt', 'cmdr', 'col', 'cpl', 'det', 'dr', 'gen', 'gov', 'ing', 'lt', 'maj', 'mr', 'mrs',
    'ms', 'mt', 'messrs', 'mssrs', 'prof', 'ph', 'rep', 'reps', 'rev', 'sen', 'sens', 'sgt', 'st', 'supt', 'v', 'vs',
    'fig', 'hon', 'pres', 'gov', 'sr', 'jr'],
  de: ['med', 'kath', 'evang', 'ev', 'jur', 'phil', 'rer', 'nat', 'dr', 'prof', 'hr', 'fr', 'frl', 'hrn', 'st', 'nr', 'bzw', 'dipl', 'ing', 'mag', 'abs', 'art', 'bd', 'bspw',
    'ca', 'evtl', 'ggf', 'inkl', 'jh', 'jhd', 'max', 'min', 'mio', 'mrd', 'sog', 'str', 'tel', 'usw', 'vgl', 'zb', 'ziff'],
  da: ['skt', 'dr', 'hr', 'fr', 'prof', 'nr', 'st', 'bl.a', 'ca', 'f.eks', 'jf', 'mht', 'pga', 'vedr', 'ifm', 'iflg'],
  es: ['párrf', 'art', 'ee.uu', 'lun', 'mar', 'mié', 'jue', 'vie', 'sáb', 'dom', 'ene', 'abr', 'may', 'jun', 'jul',
    'ago', 'sept', 'oct', 'nov', 'dic', 'min', 'cra', 'tel', 'km', 'kg', 'pág', 'págs', 'cap', 'aprox', 'dpto', 'sr', 'sra', 'srta', 'sres', 'dr', 'dra', 'd', 'da', 'dña', 'lic', 'ing', 'prof', 'arq', 'núm', 'no', 'pág',
    'av', 'avda', 'cía', 'etc', 'ud', 'uds', 'vd', 'vds', 'excmo', 'ilmo', 'sto', 'sta', 'gral', 'cap', 'pbro'],
  fr: ['m', 'mm', 'mme', 'mmes', 'mlle', 'mlles', 'dr', 'pr', 'me', 'mgr', 'st', 'ste', 'av', 'bd', 'n°', 'no', 'p',
    'pp', 'vol', 'chap', 'cf', 'env', 'etc', 'ex', 'fig', 'hab', 'tél'],
  it: ['dir', 'amm', 'psicol', 'meteor', 'idraul', 'econ', 'az', 'set', 'dom', 'lun', 'mart', 'merc', 'giov', 'ven',
    'sab', 'ing', 'avv', 'dott', 'geol', 'ragion', 'amministr', 'biol', 'chim', 'fis', 'filos', 'giur', 'ital', 'lett',
    'mat', 'mus', 'pol', 'psic', 'stor', 'tecn', 'univ', 'ecc', 'sig', 'sigg', 'sig.ra', 'dott', 'dr', 'prof', 'avv', 'ing', 'arch', 'geom', 'rag', 'on', 'sen', 'mons', 'p',
    'pp', 'pag', 'n', 'nr', 'art', 'cap', 'cfr', 'ecc', 'es', 'fig', 'tel', 'vol', 'sec', 'cit', 'op', 'ca', 'spett',
    'gent', 'egr', 'ill', 'dott.ssa', 'prof.ssa', 'f.lli', 'c.so', 'v.le', 'p.zza', 'sett', 'ott', 'nov', 'dic',
    'gen', 'feb', 'mar', 'apr', 'mag', 'giu', 'lug', 'ago'],
  nl: ['dhr', 'mevr', 'mr', 'dr', 'drs', 'ir', 'ing', 'prof', 'nr', 'st', 'blz', 'bijv', 'bv', 'ca', 'enz', 'evt',
    'jl', 'm.a.w', 'mln', 'mld', 'o.a', 'resp', 'vgl', 'zgn'],
  ru: ['пгт', 'г', 'гг', 'гр', 'ул', 'д', 'кв', 'стр', 'им', 'т', 'тт', 'напр', 'см', 'ср', 'проф', 'акад', 'доц', 'тов',
    'руб', 'коп', 'тыс', 'млн', 'млрд', 'др', 'пр', 'рис', 'табл', 'гл', 'ст', 'п', 'пп', 'в', 'вв', 'н', 'э', 'ок',
    'трлн', 'англ', 'нем', 'франц', 'лат', 'греч', 'искл', 'т.е', 'т.д', 'т.п', 'т.к', 'т.н', 'и.о', 'с.г', 'ж.д'],
  uk: ['м', 'вул', 'буд', 'кв', 'проф', 'акад', 'доц', 'тис', 'млн', 'млрд', 'грн', 'коп', 'рис', 'табл', 'ст', 'п',
    'див', 'напр', 'т.д', 'т.п', 'р', 'рр', 'ім'],
  bg: ['пл', 'вкл', 'г', 'гр', 'ул', 'бул', 'д-р', 'проф', 'акад', 'доц', 'инж', 'проф', 'хил', 'млн', 'млрд', 'лв', 'ст', 'с',
    'т.е', 'т.н', 'напр', 'вж', 'стр', 'бел', 'пр', 'сп', 'чл', 'ал', 'т', 'р', 'кв', 'ж.к', 'вр'],
  kk: ['ж', 'жж', 'т.б', 'т.с.с', 'б.з.д', 'б.з', 'ғ', 'ғғ', 'млн', 'млрд', 'мыс', 'бет', 'қ', 'көш', 'ш', 'т.т',
    'проф', 'акад', 'доц', 'тәр', 'ә', 'б'],
  pl: ['dr', 'hab', 'inż', 'mgr', 'prof', 'ks', 'np', 'tzw', 'tj', 'ul', 'al', 'pl', 'os', 'nr', 'str', 'godz', 'r',
    'w', 'ok', 'm.in', 'itd', 'itp', 'wg', 'gen', 'płk', 'mjr', 'kpt', 'por', 'św', 'ur', 'zm', 'tys', 'mln', 'mld', 'zł'],
  sk: ['dr', 'ing', 'mgr', 'prof', 'doc', 'judr', 'mudr', 'mvdr', 'rndr', 'phdr', 'paeddr', 'č', 'str', 'napr', 'tzv',
    'tj', 'atď', 'resp', 'ul', 'nám', 'pán', 'p', 'sv', 'mil', 'tis', 'hod', 'min', 'r', 'st', 'stor'],
  cs: ['dr', 'ing', 'mgr', 'prof', 'doc', 'č', 'str', 'např', 'tzv', 'tj', 'atd', 'resp', 'ul', 'nám', 'sv', 'mil', 'tis'],
  el: ['κ', 'κα', 'δρ', 'καθ', 'σελ', 'αρ', 'π.χ', 'δηλ', 'κ.λπ', 'κλπ', 'βλ', 'οδ', 'τηλ', 'εκ', 'χλμ', 'μ.χ', 'π.χ'],
  hy: ['թ', 'թթ', 'տ', 'էջ', 'պրոֆ', 'դոկտ', 'մ.թ.ա', 'մ.թ', 'հմմտ', 'ք', 'փ', 'պ'],
  pt: ['sr', 'sra', 'srta', 'dr', 'dra', 'prof', 'profa', 'eng', 'av', 'n', 'nº', 'pág', 'p', 'pp', 'etc', 'ex', 'cia',
    'ltda', 'sto', 'sta', 'gen', 'cap', 'ten', 'cel'],
  sv: ['dr', 'prof', 'nr', 'st', 'bl.a', 'ca', 'dvs', 'e.d', 'f.d', 'fr.o.m', 'm.fl', 'm.m', 'osv', 'o.d', 't.ex',
    't.o.m', 'resp', 'kl', 'jfr'],
  no: ['dr', 'prof', 'nr', 'st', 'bl.a', 'ca', 'dvs', 'f.eks', 'osv', 'jf', 'mht', 'pga', 'kl', 'ang', 'ev'],
  fi: ['esim', 'ym', 'yms', 'jne', 'mm', 'ns', 'n', 'os', 'puh', 'tri', 'prof', 'toht', 'ts', 'vrt', 'nro', 'klo'],
  tr: ['dr', 'prof', 'doç', 'av', 'müh', 'sn', 'bkz', 'vb', 'vs', 'yy', 'no', 's', 'çev', 'ör', 'bşk', 'yrd', 'alb'],
  id: ['dr', 'prof', 'ir', 'h', 'hj', 'drs', 'no', 'jl', 'dll', 'dsb', 'dst', 'tsb', 'yth', 'sdr', 'sdri', 'bpk'],
};

/** General abbreviations: a period after them ends no sentence unless the next word starts with a capital. */
export const GENERAL: Record<string, readonly string[]> = {
  en: ['al', 'adj', 'approx', 'apr', 'arc', 'ariz', 'assn', 'asst', 'aug', 'ave', 'bart', 'bld', 'bldg', 'blvd',
    'btw', 'cal', 'calif', 'cent', 'cf', 'cl', 'cmdr', 'co', 'col', 'colo', 'comdr', 'con', 'conn', 'corp', 'cos',
    'cres', 'ct', 'dak', 'dec', 'def', 'del', 'dept', 'dist', 'dr', 'e.g', 'eng', 'esp', 'esq', 'est', 'etc', 'ex',
    'exp', 'expy', 'ext', 'feb', 'fed', 'fig', 'fla', 'fri', 'ft', 'fwy', 'fy', 'ga', 'gen', 'gov', 'hon', 'hosp',
    'hr', 'hrs', 'hway', 'hwy', 'i.e', 'ia', 'id', 'ida', 'ill', 'inc', 'ind', 'ing', 'insp', 'is', 'jan', 'jr', 'jul',
    'jun', 'kan', 'kans', 'ken', 'ky', 'la', 'lt', 'ltd', 'maj', 'man', 'mar', 'mass', 'md', 'me', 'med', 'messrs',
    'mex', 'mfg', 'mich', 'min', 'minn', 'miss', 'mlle', 'mm', 'mme', 'mo', 'mont', 'mr', 'mrs', 'ms', 'msgr', 'mssrs',
    'mt', 'mtn', 'neb', 'nebr', 'nev', 'no', 'nos', 'nov', 'nr', 'oct', 'ok', 'okla', 'ont', 'op', 'ord', 'ore', 'p',
    'pa', 'pd', 'pde', 'penn', 'penna', 'pfc', 'ph', 'pl', 'plz', 'pp', 'prof', 'pvt', 'que', 'rd', 'rs', 'ref', 'rep',
    'reps', 'res', 'rev', 'rt', 'sask', 'sec', 'sen', 'sens', 'sep', 'sept', 'sfc', 'sgt', 'sr', 'st', 'supt', 'surg',
    'tce', 'tenn', 'tex', 'univ', 'usafa', 'u.s', 'ut', 'va', 'v', 'ver', 'viz', 'vs', 'vt', 'wash', 'wis', 'wisc',
    'wy', 'wyo', 'yuk', 'vol', 'vols', 'ed', 'eds', 'ibid', 'et al', 'approx', 'dept', 'div', 'jan', 'mon', 'tue',
    'tues', 'wed', 'thu', 'thur', 'thurs', 'sat', 'sun', 'a.m', 'p.m', 'ca', 'cca', 'chap', 'ch', 'cit', 'pt', 'pts',
    'oz', 'lb', 'lbs', 'sq', 'yd', 'yds', 'in', 'mi', 'km', 'kg', 'cm', 'mg', 'ml', 'bros', 'assoc', 'dist', 'govt',
    'intl', 'natl', 'sci', 'tech', 'phys', 'chem', 'math', 'acad', 'admin', 'amer', 'ann', 'ass', 'bull', 'comm',
    'conf', 'dr', 'jour', 'lab', 'lit', 'proc', 'rev', 'soc', 'trans', 'u', 'ave', 'abbr', 'mt'],
};

/** Abbreviations that end no sentence when a number follows ("No. 5", "p. 55", "Art. 3"). */
export const BEFORE_NUMBER: readonly string[] = ['art', 'ext', 'no', 'nos', 'nr', 'p', 'pp', 'vol', 'fig', 'no',
  'abs', 'bd', 'kap', 'ziff', 'núm', 'n°', 'nº', 'no°', 'pág', 'n', 'nº', 'str', 'č', 'рис', 'табл', 'стр', 'с', 'ст', 'гл', 'п', 'бет',
  // "(pop. 256,000)", "approx. 300", "est. 1850" (issue 14)
  'pop', 'approx', 'est', 'ca', 'circa', 'nr', 'tel', 'ph'];

/** Words after which "U.S." and similar end a sentence when they start the next word ("... in the U.S. The"). */
export const SENTENCE_STARTERS: ReadonlySet<string> = new Set(['A', 'Being', 'Did', 'For', 'He', 'How', 'However',
  'I', 'In', 'It', 'Millions', 'More', 'She', 'That', 'The', 'There', 'They', 'We', 'What', 'When', 'Where', 'Who',
  'Why', 'This', 'These', 'Those', 'But', 'And', 'So', 'If', 'Then', 'After', 'Before', 'Our', 'Its', 'His', 'Her',
  'Their', 'You', 'Yet', 'Although', 'As']);

const cache = new Map<string, { prepositive: Set<string>; general: Set<string> }>();

/** The abbreviation sets for a language (always including the English ones, which appear in every language's text). */
export function abbreviationsFor(lang: string): { prepositive: Set<string>; general: Set<string> } {
  let hit = cache.get(lang);
  if (!hit) {
    const prepositive = new Set([...(PREPOSITIVE[lang] ?? []), ...(lang === 'en' ? [] : PREPOSITIVE.en!)]);
    const general = new Set([...(GENERAL[lang] ?? []), ...PREPOSITIVE[lang] ?? [], ...GENERAL.en!]);
    hit = { prepositive, general };
    cache.set(lang, hit);
  }
  return hit;
}
