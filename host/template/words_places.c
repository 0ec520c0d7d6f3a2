/* Data for the places, web, time and misc operators (see words_places.h). Public facts written
 * out for asrun: ISO 639-1 language codes, common language-region locales, UK counties and
 * postcode areas, Canadian provinces, Italian provinces (ISTAT codes) and regions, Mexican
 * states (ISO 3166-2:MX), time zones with their UTC offsets, common file extensions. */
#include <stddef.h>

#include "template/words_places.h"

#define COUNT(a) ((uint32_t)(sizeof(a) / sizeof((a)[0])))
#define WORDS(var, ...)                                                                        \
  static const char *const var##_items[] = {__VA_ARGS__};                                     \
  const asr_words_t var = {var##_items, COUNT(var##_items)}
#define PAIRS(var, ...)                                                                        \
  static const asr_word_pair_t var##_items[] = {__VA_ARGS__};                                 \
  const asr_word_pairs_t var = {var##_items, COUNT(var##_items)}

/* ---- locales ------------------------------------------------------------------------------ */

WORDS(asr_words_locale_language,
      "aa", "ab", "ae", "af", "ak", "am", "an", "ar", "as", "av", "ay", "az", "ba", "be", "bg",
      "bh", "bi", "bm", "bn", "bo", "br", "bs", "ca", "ce", "ch", "co", "cr", "cs", "cu", "cv",
      "cy", "da", "de", "dv", "dz", "ee", "el", "en", "eo", "es", "et", "eu", "fa", "ff", "fi",
      "fj", "fo", "fr", "fy", "ga", "gd", "gl", "gn", "gu", "gv", "ha", "he", "hi", "ho", "hr",
      "ht", "hu", "hy", "hz", "ia", "id", "ie", "ig", "ii", "ik", "io", "is", "it", "iu", "ja",
      "jv", "ka", "kg", "ki", "kj", "kk", "kl", "km", "kn", "ko", "kr", "ks", "ku", "kv", "kw",
      "ky", "la", "lb", "lg", "li", "ln", "lo", "lt", "lu", "lv", "mg", "mh", "mi", "mk", "ml",
      "mn", "mr", "ms", "mt", "my", "na", "nb", "nd", "ne", "ng", "nl", "nn", "no", "nr", "nv",
      "ny", "oc", "oj", "om", "or", "os", "pa", "pi", "pl", "ps", "pt", "qu", "rm", "rn", "ro",
      "ru", "rw", "sa", "sc", "sd", "se", "sg", "si", "sk", "sl", "sm", "sn", "so", "sq", "sr",
      "ss", "st", "su", "sv", "sw", "ta", "te", "tg", "th", "ti", "tk", "tl", "tn", "to", "tr",
      "ts", "tt", "tw", "ty", "ug", "uk", "ur", "uz", "ve", "vi", "vo", "wa", "wo", "xh", "yi",
      "yo", "za", "zh", "zu");

WORDS(asr_words_locale_region,
      "af-ZA", "am-ET", "ar-AE", "ar-BH", "ar-DZ", "ar-EG", "ar-IQ", "ar-JO", "ar-KW", "ar-LB",
      "ar-LY", "ar-MA", "ar-OM", "ar-QA", "ar-SA", "ar-SY", "ar-TN", "ar-YE", "az-AZ", "be-BY",
      "bg-BG", "bn-BD", "bn-IN", "bs-BA", "ca-ES", "cs-CZ", "cy-GB", "da-DK", "de-AT", "de-CH",
      "de-DE", "de-LI", "de-LU", "el-CY", "el-GR", "en-AU", "en-CA", "en-GB", "en-IE", "en-IN",
      "en-JM", "en-MT", "en-NZ", "en-PH", "en-SG", "en-US", "en-ZA", "es-AR", "es-BO", "es-CL",
      "es-CO", "es-CR", "es-DO", "es-EC", "es-ES", "es-GT", "es-HN", "es-MX", "es-NI", "es-PA",
      "es-PE", "es-PR", "es-PY", "es-SV", "es-US", "es-UY", "es-VE", "et-EE", "eu-ES", "fa-IR",
      "fi-FI", "fil-PH", "fo-FO", "fr-BE", "fr-CA", "fr-CH", "fr-FR", "fr-LU", "fr-MC", "ga-IE",
      "gl-ES", "gu-IN", "haw-US", "he-IL", "hi-IN", "hr-HR", "hu-HU", "hy-AM", "id-ID", "is-IS",
      "it-CH", "it-IT", "ja-JP", "ka-GE", "kk-KZ", "km-KH", "kn-IN", "ko-KR", "lo-LA", "lt-LT",
      "lv-LV", "mk-MK", "ml-IN", "mn-MN", "mr-IN", "ms-MY", "mt-MT", "my-MM", "nb-NO", "ne-NP",
      "nl-BE", "nl-NL", "nn-NO", "pa-IN", "pl-PL", "pt-AO", "pt-BR", "pt-PT", "ro-MD", "ro-RO",
      "ru-RU", "ru-UA", "si-LK", "sk-SK", "sl-SI", "sq-AL", "sr-RS", "sv-FI", "sv-SE", "sw-KE",
      "sw-TZ", "ta-IN", "ta-LK", "te-IN", "th-TH", "tr-TR", "uk-UA", "ur-PK", "uz-UZ", "vi-VN",
      "zh-CN", "zh-HK", "zh-SG", "zh-TW", "zu-ZA");

/* ---- United Kingdom ------------------------------------------------------------------------ */

WORDS(asr_words_county_uk,
      "Aberdeenshire", "Anglesey", "Angus", "Antrim", "Argyll", "Armagh", "Ayrshire",
      "Bedfordshire", "Berkshire", "Berwickshire", "Brecknockshire", "Bristol", "Buckinghamshire",
      "Caernarfonshire", "Cambridgeshire", "Cardiganshire", "Carmarthenshire", "Cheshire",
      "Clackmannanshire", "Cornwall", "Cumbria", "Denbighshire", "Derbyshire", "Devon", "Dorset",
      "Down", "Dumfriesshire", "Durham", "East Lothian", "East Sussex", "East Riding of Yorkshire",
      "Essex", "Fermanagh", "Fife", "Flintshire", "Glamorgan", "Gloucestershire",
      "Greater London", "Greater Manchester", "Hampshire", "Herefordshire", "Hertfordshire",
      "Inverness-shire", "Isle of Wight", "Kent", "Kincardineshire", "Kinross-shire",
      "Kirkcudbrightshire", "Lanarkshire", "Lancashire", "Leicestershire", "Lincolnshire",
      "Londonderry", "Merionethshire", "Merseyside", "Midlothian", "Monmouthshire",
      "Montgomeryshire", "Moray", "Nairnshire", "Norfolk", "North Yorkshire", "Northamptonshire",
      "Northumberland", "Nottinghamshire", "Orkney", "Oxfordshire", "Peeblesshire",
      "Pembrokeshire", "Perthshire", "Radnorshire", "Renfrewshire", "Ross-shire", "Rutland",
      "Selkirkshire", "Shetland", "Shropshire", "Somerset", "South Yorkshire", "Staffordshire",
      "Stirlingshire", "Suffolk", "Surrey", "Sutherland", "Tyne and Wear", "Tyrone",
      "Warwickshire", "West Lothian", "West Midlands", "West Sussex", "West Yorkshire",
      "Wigtownshire", "Wiltshire", "Worcestershire");

WORDS(asr_words_postcode_area_uk,
      "AB", "AL", "B", "BA", "BB", "BD", "BH", "BL", "BN", "BR", "BS", "BT", "CA", "CB", "CF",
      "CH", "CM", "CO", "CR", "CT", "CV", "CW", "DA", "DD", "DE", "DG", "DH", "DL", "DN", "DT",
      "DY", "E", "EC", "EH", "EN", "EX", "FK", "FY", "G", "GL", "GU", "GY", "HA", "HD", "HG",
      "HP", "HR", "HS", "HU", "HX", "IG", "IM", "IP", "IV", "JE", "KA", "KT", "KW", "KY", "L",
      "LA", "LD", "LE", "LL", "LN", "LS", "LU", "M", "ME", "MK", "ML", "N", "NE", "NG", "NN",
      "NP", "NR", "NW", "OL", "OX", "PA", "PE", "PH", "PL", "PO", "PR", "RG", "RH", "RM", "S",
      "SA", "SE", "SG", "SK", "SL", "SM", "SN", "SO", "SP", "SR", "SS", "ST", "SW", "SY", "TA",
      "TD", "TF", "TN", "TQ", "TR", "TS", "TW", "UB", "W", "WA", "WC", "WD", "WF", "WN", "WR",
      "WS", "WV", "YO", "ZE");

/* ---- Canada, Italy, Mexico, US armed forces ------------------------------------------------ */

PAIRS(asr_words_province_ca, {"AB", "Alberta"}, {"BC", "British Columbia"}, {"MB", "Manitoba"},
      {"NB", "New Brunswick"}, {"NL", "Newfoundland and Labrador"}, {"NS", "Nova Scotia"},
      {"NT", "Northwest Territories"}, {"NU", "Nunavut"}, {"ON", "Ontario"},
      {"PE", "Prince Edward Island"}, {"QC", "Quebec"}, {"SK", "Saskatchewan"}, {"YT", "Yukon"});

static const asr_province_it_t province_it_items[] = {
    {"TO", "Torino", 1}, {"VC", "Vercelli", 2}, {"NO", "Novara", 3}, {"CN", "Cuneo", 4},
    {"AT", "Asti", 5}, {"AL", "Alessandria", 6}, {"AO", "Aosta", 7}, {"IM", "Imperia", 8},
    {"SV", "Savona", 9}, {"GE", "Genova", 10}, {"SP", "La Spezia", 11}, {"VA", "Varese", 12},
    {"CO", "Como", 13}, {"SO", "Sondrio", 14}, {"MI", "Milano", 15}, {"BG", "Bergamo", 16},
    {"BS", "Brescia", 17}, {"PV", "Pavia", 18}, {"CR", "Cremona", 19}, {"MN", "Mantova", 20},
    {"BZ", "Bolzano", 21}, {"TN", "Trento", 22}, {"VR", "Verona", 23}, {"VI", "Vicenza", 24},
    {"BL", "Belluno", 25}, {"TV", "Treviso", 26}, {"VE", "Venezia", 27}, {"PD", "Padova", 28},
    {"RO", "Rovigo", 29}, {"UD", "Udine", 30}, {"GO", "Gorizia", 31}, {"TS", "Trieste", 32},
    {"PC", "Piacenza", 33}, {"PR", "Parma", 34}, {"RE", "Reggio Emilia", 35},
    {"MO", "Modena", 36}, {"BO", "Bologna", 37}, {"FE", "Ferrara", 38}, {"RA", "Ravenna", 39},
    {"FC", "Forli-Cesena", 40}, {"PU", "Pesaro e Urbino", 41}, {"AN", "Ancona", 42},
    {"MC", "Macerata", 43}, {"AP", "Ascoli Piceno", 44}, {"MS", "Massa-Carrara", 45},
    {"LU", "Lucca", 46}, {"PT", "Pistoia", 47}, {"FI", "Firenze", 48}, {"LI", "Livorno", 49},
    {"PI", "Pisa", 50}, {"AR", "Arezzo", 51}, {"SI", "Siena", 52}, {"GR", "Grosseto", 53},
    {"PG", "Perugia", 54}, {"TR", "Terni", 55}, {"VT", "Viterbo", 56}, {"RI", "Rieti", 57},
    {"RM", "Roma", 58}, {"LT", "Latina", 59}, {"FR", "Frosinone", 60}, {"CE", "Caserta", 61},
    {"BN", "Benevento", 62}, {"NA", "Napoli", 63}, {"AV", "Avellino", 64}, {"SA", "Salerno", 65},
    {"AQ", "L'Aquila", 66}, {"TE", "Teramo", 67}, {"PE", "Pescara", 68}, {"CH", "Chieti", 69},
    {"CB", "Campobasso", 70}, {"FG", "Foggia", 71}, {"BA", "Bari", 72}, {"TA", "Taranto", 73},
    {"BR", "Brindisi", 74}, {"LE", "Lecce", 75}, {"PZ", "Potenza", 76}, {"MT", "Matera", 77},
    {"CS", "Cosenza", 78}, {"CZ", "Catanzaro", 79}, {"RC", "Reggio Calabria", 80},
    {"TP", "Trapani", 81}, {"PA", "Palermo", 82}, {"ME", "Messina", 83}, {"AG", "Agrigento", 84},
    {"CL", "Caltanissetta", 85}, {"EN", "Enna", 86}, {"CT", "Catania", 87}, {"RG", "Ragusa", 88},
    {"SR", "Siracusa", 89}, {"SS", "Sassari", 90}, {"NU", "Nuoro", 91}, {"CA", "Cagliari", 92},
    {"PN", "Pordenone", 93}, {"IS", "Isernia", 94}, {"OR", "Oristano", 95}, {"BI", "Biella", 96},
    {"LC", "Lecco", 97}, {"LO", "Lodi", 98}, {"RN", "Rimini", 99}, {"PO", "Prato", 100},
};
const asr_provinces_it_t asr_words_province_it = {province_it_items, COUNT(province_it_items)};

PAIRS(asr_words_region_it, {"VDA", "Valle d'Aosta"}, {"PIE", "Piemonte"}, {"LOM", "Lombardia"},
      {"VEN", "Veneto"}, {"TAA", "Trentino-Alto Adige"}, {"FVG", "Friuli-Venezia Giulia"},
      {"LIG", "Liguria"}, {"EMR", "Emilia-Romagna"}, {"TOS", "Toscana"}, {"UMB", "Umbria"},
      {"MAR", "Marche"}, {"LAZ", "Lazio"}, {"ABR", "Abruzzo"}, {"MOL", "Molise"},
      {"CAM", "Campania"}, {"PUG", "Puglia"}, {"BAS", "Basilicata"}, {"CAL", "Calabria"},
      {"SIC", "Sicilia"}, {"SAR", "Sardegna"});

PAIRS(asr_words_state_mx, {"AGU", "Aguascalientes"}, {"BCN", "Baja California"},
      {"BCS", "Baja California Sur"}, {"CAM", "Campeche"}, {"CHP", "Chiapas"},
      {"CHH", "Chihuahua"}, {"CMX", "Ciudad de Mexico"}, {"COA", "Coahuila"}, {"COL", "Colima"},
      {"DUR", "Durango"}, {"GUA", "Guanajuato"}, {"GRO", "Guerrero"}, {"HID", "Hidalgo"},
      {"JAL", "Jalisco"}, {"MEX", "Estado de Mexico"}, {"MIC", "Michoacan"}, {"MOR", "Morelos"},
      {"NAY", "Nayarit"}, {"NLE", "Nuevo Leon"}, {"OAX", "Oaxaca"}, {"PUE", "Puebla"},
      {"QUE", "Queretaro"}, {"ROO", "Quintana Roo"}, {"SLP", "San Luis Potosi"},
      {"SIN", "Sinaloa"}, {"SON", "Sonora"}, {"TAB", "Tabasco"}, {"TAM", "Tamaulipas"},
      {"TLA", "Tlaxcala"}, {"VER", "Veracruz"}, {"YUC", "Yucatan"}, {"ZAC", "Zacatecas"});

PAIRS(asr_words_armed_forces, {"AA", "Armed Forces Americas"}, {"AE", "Armed Forces Europe"},
      {"AP", "Armed Forces Pacific"});

PAIRS(asr_words_street_suffix_it, {"Via", "Via"}, {"V.le", "Viale"}, {"P.za", "Piazza"},
      {"P.le", "Piazzale"}, {"C.so", "Corso"}, {"L.go", "Largo"}, {"Vic.", "Vicolo"},
      {"Str.", "Strada"}, {"L.mare", "Lungomare"}, {"B.go", "Borgo"}, {"C.da", "Contrada"},
      {"Gall.", "Galleria"}, {"Sal.", "Salita"}, {"Trav.", "Traversa"}, {"Lgt.", "Lungotevere"},
      {"Vico", "Vico"}, {"Calle", "Calle"}, {"Rampa", "Rampa"}, {"Pzt.", "Piazzetta"},
      {"Disc.", "Discesa"});

/* ---- time zones ------------------------------------------------------------------------------ */

#define UTC(...) ((const char *const[]){__VA_ARGS__, NULL})
static const asr_timezone_t timezone_items[] = {
    {"Dateline Standard Time", "DST", -12, false, "(UTC-12:00) International Date Line West", UTC("Etc/GMT+12")},
    {"Samoa Standard Time", "SST", -11, false, "(UTC-11:00) Pago Pago, Midway", UTC("Pacific/Pago_Pago", "Pacific/Midway")},
    {"Hawaiian Standard Time", "HST", -10, false, "(UTC-10:00) Hawaii", UTC("Pacific/Honolulu")},
    {"Marquesas Standard Time", "MART", -9.5, false, "(UTC-09:30) Marquesas Islands", UTC("Pacific/Marquesas")},
    {"Alaskan Standard Time", "AKDT", -8, true, "(UTC-09:00) Alaska", UTC("America/Anchorage", "America/Juneau", "America/Nome")},
    {"Pacific Standard Time", "PDT", -7, true, "(UTC-08:00) Pacific Time (US & Canada)", UTC("America/Los_Angeles", "America/Vancouver")},
    {"US Mountain Standard Time", "UMST", -7, false, "(UTC-07:00) Arizona", UTC("America/Phoenix")},
    {"Mountain Standard Time", "MDT", -6, true, "(UTC-07:00) Mountain Time (US & Canada)", UTC("America/Denver", "America/Edmonton", "America/Boise")},
    {"Central America Standard Time", "CAST", -6, false, "(UTC-06:00) Central America", UTC("America/Guatemala", "America/Costa_Rica", "America/El_Salvador")},
    {"Central Standard Time", "CDT", -5, true, "(UTC-06:00) Central Time (US & Canada)", UTC("America/Chicago", "America/Winnipeg")},
    {"SA Pacific Standard Time", "SPST", -5, false, "(UTC-05:00) Bogota, Lima, Quito", UTC("America/Bogota", "America/Lima", "America/Guayaquil")},
    {"Eastern Standard Time", "EDT", -4, true, "(UTC-05:00) Eastern Time (US & Canada)", UTC("America/New_York", "America/Toronto", "America/Detroit")},
    {"Venezuela Standard Time", "VST", -4, false, "(UTC-04:00) Caracas", UTC("America/Caracas")},
    {"Atlantic Standard Time", "ADT", -3, true, "(UTC-04:00) Atlantic Time (Canada)", UTC("America/Halifax", "Atlantic/Bermuda")},
    {"Newfoundland Standard Time", "NDT", -2.5, true, "(UTC-03:30) Newfoundland", UTC("America/St_Johns")},
    {"E. South America Standard Time", "ESAST", -3, false, "(UTC-03:00) Brasilia", UTC("America/Sao_Paulo")},
    {"Argentina Standard Time", "AST", -3, false, "(UTC-03:00) Buenos Aires", UTC("America/Argentina/Buenos_Aires")},
    {"Mid-Atlantic Standard Time", "MAST", -2, false, "(UTC-02:00) South Georgia", UTC("Atlantic/South_Georgia", "America/Noronha")},
    {"Azores Standard Time", "ADT", 0, true, "(UTC-01:00) Azores", UTC("Atlantic/Azores")},
    {"Cape Verde Standard Time", "CVST", -1, false, "(UTC-01:00) Cape Verde Is.", UTC("Atlantic/Cape_Verde")},
    {"UTC", "UTC", 0, false, "(UTC) Coordinated Universal Time", UTC("Etc/UTC", "Etc/GMT")},
    {"GMT Standard Time", "GMT", 1, true, "(UTC) Dublin, Edinburgh, Lisbon, London", UTC("Europe/London", "Europe/Dublin", "Europe/Lisbon")},
    {"W. Europe Standard Time", "WEDT", 2, true, "(UTC+01:00) Amsterdam, Berlin, Rome, Vienna", UTC("Europe/Berlin", "Europe/Amsterdam", "Europe/Rome", "Europe/Vienna")},
    {"Romance Standard Time", "RDT", 2, true, "(UTC+01:00) Brussels, Copenhagen, Madrid, Paris", UTC("Europe/Paris", "Europe/Brussels", "Europe/Madrid")},
    {"W. Central Africa Standard Time", "WCAST", 1, false, "(UTC+01:00) West Central Africa", UTC("Africa/Lagos", "Africa/Algiers")},
    {"GTB Standard Time", "GDT", 3, true, "(UTC+02:00) Athens, Bucharest", UTC("Europe/Athens", "Europe/Bucharest")},
    {"Egypt Standard Time", "EST", 2, false, "(UTC+02:00) Cairo", UTC("Africa/Cairo")},
    {"South Africa Standard Time", "SAST", 2, false, "(UTC+02:00) Harare, Pretoria", UTC("Africa/Johannesburg", "Africa/Harare")},
    {"Turkey Standard Time", "TRT", 3, false, "(UTC+03:00) Istanbul", UTC("Europe/Istanbul")},
    {"Russian Standard Time", "MSK", 3, false, "(UTC+03:00) Moscow, St. Petersburg", UTC("Europe/Moscow")},
    {"E. Africa Standard Time", "EAST", 3, false, "(UTC+03:00) Nairobi", UTC("Africa/Nairobi", "Africa/Addis_Ababa")},
    {"Iran Standard Time", "IRST", 3.5, false, "(UTC+03:30) Tehran", UTC("Asia/Tehran")},
    {"Arabian Standard Time", "GST", 4, false, "(UTC+04:00) Abu Dhabi, Muscat", UTC("Asia/Dubai", "Asia/Muscat")},
    {"Afghanistan Standard Time", "AFT", 4.5, false, "(UTC+04:30) Kabul", UTC("Asia/Kabul")},
    {"Pakistan Standard Time", "PKT", 5, false, "(UTC+05:00) Islamabad, Karachi", UTC("Asia/Karachi")},
    {"India Standard Time", "IST", 5.5, false, "(UTC+05:30) Chennai, Kolkata, Mumbai, New Delhi", UTC("Asia/Kolkata")},
    {"Nepal Standard Time", "NPT", 5.75, false, "(UTC+05:45) Kathmandu", UTC("Asia/Kathmandu")},
    {"Bangladesh Standard Time", "BST", 6, false, "(UTC+06:00) Dhaka", UTC("Asia/Dhaka")},
    {"Myanmar Standard Time", "MMT", 6.5, false, "(UTC+06:30) Yangon (Rangoon)", UTC("Asia/Yangon")},
    {"SE Asia Standard Time", "ICT", 7, false, "(UTC+07:00) Bangkok, Hanoi, Jakarta", UTC("Asia/Bangkok", "Asia/Jakarta", "Asia/Ho_Chi_Minh")},
    {"China Standard Time", "CST", 8, false, "(UTC+08:00) Beijing, Chongqing, Hong Kong", UTC("Asia/Shanghai", "Asia/Hong_Kong")},
    {"Singapore Standard Time", "SGT", 8, false, "(UTC+08:00) Kuala Lumpur, Singapore", UTC("Asia/Singapore", "Asia/Kuala_Lumpur")},
    {"Tokyo Standard Time", "JST", 9, false, "(UTC+09:00) Osaka, Sapporo, Tokyo", UTC("Asia/Tokyo")},
    {"Korea Standard Time", "KST", 9, false, "(UTC+09:00) Seoul", UTC("Asia/Seoul")},
    {"Cen. Australia Standard Time", "ACDT", 10.5, true, "(UTC+09:30) Adelaide", UTC("Australia/Adelaide")},
    {"AUS Central Standard Time", "ACST", 9.5, false, "(UTC+09:30) Darwin", UTC("Australia/Darwin")},
    {"AUS Eastern Standard Time", "AEDT", 11, true, "(UTC+10:00) Canberra, Melbourne, Sydney", UTC("Australia/Sydney", "Australia/Melbourne")},
    {"E. Australia Standard Time", "AEST", 10, false, "(UTC+10:00) Brisbane", UTC("Australia/Brisbane")},
    {"Lord Howe Standard Time", "LHST", 10.5, false, "(UTC+10:30) Lord Howe Island", UTC("Australia/Lord_Howe")},
    {"Central Pacific Standard Time", "CPST", 11, false, "(UTC+11:00) Solomon Is., New Caledonia", UTC("Pacific/Guadalcanal", "Pacific/Noumea")},
    {"New Zealand Standard Time", "NZDT", 13, true, "(UTC+12:00) Auckland, Wellington", UTC("Pacific/Auckland")},
    {"Fiji Standard Time", "FJT", 12, false, "(UTC+12:00) Fiji", UTC("Pacific/Fiji")},
    {"Chatham Islands Standard Time", "CHAST", 12.75, false, "(UTC+12:45) Chatham Islands", UTC("Pacific/Chatham")},
    {"Tonga Standard Time", "TOT", 13, false, "(UTC+13:00) Nuku'alofa", UTC("Pacific/Tongatapu")},
    {"Line Islands Standard Time", "LINT", 14, false, "(UTC+14:00) Kiritimati Island", UTC("Pacific/Kiritimati")},
};
const asr_timezones_t asr_words_timezone = {timezone_items, COUNT(timezone_items)};

/* ---- files, months ------------------------------------------------------------------------- */

WORDS(asr_words_file_type, "raster", "vector", "3d", "document");
static const char *const ext_raster[] = {"bmp", "gif", "ico", "jpeg", "jpg", "png", "psd", "raw", "tif", "tiff", "webp"};
static const char *const ext_vector[] = {"ai", "cdr", "cgm", "dxf", "emf", "eps", "odg", "pdf", "svg", "wmf"};
static const char *const ext_3d[] = {"3ds", "3mf", "blend", "dae", "fbx", "glb", "gltf", "max", "obj", "ply", "stl"};
static const char *const ext_document[] = {"csv", "doc", "docx", "html", "md", "odt", "rtf", "tex", "txt", "xhtml", "xml"};
const asr_words_t asr_words_file_ext[4] = {
    {ext_raster, COUNT(ext_raster)},
    {ext_vector, COUNT(ext_vector)},
    {ext_3d, COUNT(ext_3d)},
    {ext_document, COUNT(ext_document)},
};

const int asr_words_month_days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
const char *const asr_words_month_short[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                               "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
