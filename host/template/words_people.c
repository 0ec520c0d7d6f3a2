/* Word lists for the people and finance template operators (see words_people.h). Our own
 * data: animal, profession and emotion words, demonyms, the twelve zodiac signs, common name
 * titles and post-nominal letters, the issuer prefixes and lengths of well-known card schemes,
 * and runs of emoji code points from the Unicode emoji blocks. */
#include <stddef.h>

#include "template/words_people.h"

#define COUNT(a) ((uint32_t)(sizeof(a) / sizeof((a)[0])))
#define WORDS(var, ...)                                                                        \
  static const char *const var##_items[] = {__VA_ARGS__};                                     \
  const asr_words_t var = {var##_items, COUNT(var##_items)}
#define LIST(name, ...) static const char *const name[] = {__VA_ARGS__}

/* ---- animals by habitat ------------------------------------------------------------------- */

const char *const asr_words_animal_types[ASR_ANIMAL_TYPES + 1] = {
    "desert", "forest", "ocean", "zoo", "farm", "pet", "grassland", NULL};

LIST(desert, "Camel", "Dromedary", "Fennec Fox", "Sidewinder", "Gila Monster", "Roadrunner",
     "Jerboa", "Scorpion", "Desert Tortoise", "Addax", "Thorny Devil", "Sand Cat", "Meerkat",
     "Kangaroo Rat", "Horned Lizard", "Desert Iguana", "Oryx", "Coyote", "Vulture", "Tarantula");
LIST(forest, "Red Fox", "Black Bear", "White-tailed Deer", "Gray Wolf", "Raccoon", "Badger",
     "Woodpecker", "Great Horned Owl", "Porcupine", "Chipmunk", "Red Squirrel", "Moose", "Lynx",
     "Wild Boar", "Pine Marten", "Elk", "Hedgehog", "Skunk", "Bobcat", "Wolverine", "Opossum");
LIST(ocean, "Blue Whale", "Bottlenose Dolphin", "Great White Shark", "Sea Otter", "Octopus",
     "Manta Ray", "Clownfish", "Sea Turtle", "Orca", "Jellyfish", "Swordfish", "Humpback Whale",
     "Walrus", "Harbor Seal", "Starfish", "Seahorse", "Moray Eel", "Hammerhead Shark", "Squid",
     "Lobster", "Narwhal", "Sea Lion", "Pufferfish", "Barracuda", "Coral Grouper");
LIST(zoo, "Lion", "Tiger", "Giraffe", "Elephant", "Zebra", "Hippopotamus", "Rhinoceros",
     "Gorilla", "Chimpanzee", "Orangutan", "Giant Panda", "Polar Bear", "Kangaroo", "Koala",
     "Flamingo", "Penguin", "Cheetah", "Leopard", "Jaguar", "Red Panda", "Lemur", "Okapi",
     "Komodo Dragon", "Tapir", "Sloth Bear");
LIST(farm, "Cow", "Pig", "Sheep", "Goat", "Horse", "Donkey", "Chicken", "Duck", "Goose",
     "Turkey", "Llama", "Alpaca", "Rabbit", "Ox", "Mule", "Water Buffalo", "Yak", "Guinea Fowl");
LIST(pet, "Dog", "Cat", "Hamster", "Guinea Pig", "Goldfish", "Budgerigar", "Canary", "Ferret",
     "Gerbil", "Cockatiel", "Bearded Dragon", "Leopard Gecko", "Corn Snake", "Chinchilla",
     "Rat", "Mouse", "Betta Fish", "Parrot", "Tortoise", "Axolotl");
LIST(grassland, "Bison", "Pronghorn", "Prairie Dog", "Wildebeest", "Gazelle", "Warthog",
     "Hyena", "African Wild Dog", "Ostrich", "Emu", "Rhea", "Meadowlark", "Aardvark",
     "Black-footed Ferret", "Secretary Bird", "Serval", "Impala", "Burrowing Owl", "Badger",
     "Gopher", "Jackal", "Eland");

const asr_words_t asr_words_animals[ASR_ANIMAL_TYPES] = {
    {desert, COUNT(desert)}, {forest, COUNT(forest)}, {ocean, COUNT(ocean)}, {zoo, COUNT(zoo)},
    {farm, COUNT(farm)},     {pet, COUNT(pet)},       {grassland, COUNT(grassland)}};

/* ---- people --------------------------------------------------------------------------------- */

WORDS(asr_words_profession,
      "Accountant", "Actuary", "Architect", "Art Director", "Baker", "Bank Teller", "Biologist",
      "Bookkeeper", "Carpenter", "Chef", "Chemist", "Civil Engineer", "Claims Adjuster",
      "Data Analyst", "Database Administrator", "Dental Hygienist", "Dentist", "Dietitian",
      "Economist", "Electrician", "Editor", "Flight Attendant", "Firefighter", "Florist",
      "Geologist", "Graphic Designer", "Hair Stylist", "Historian", "Interpreter", "Journalist",
      "Judge", "Landscape Architect", "Lawyer", "Librarian", "Machinist", "Marketing Manager",
      "Mathematician", "Mechanical Engineer", "Nurse", "Optometrist", "Paralegal", "Pharmacist",
      "Photographer", "Physical Therapist", "Physician", "Pilot", "Plumber", "Police Officer",
      "Product Manager", "Project Manager", "Psychologist", "Real Estate Agent", "Receptionist",
      "Sales Representative", "Social Worker", "Software Engineer", "Statistician", "Surveyor",
      "Teacher", "Technical Writer", "Translator", "Veterinarian", "Web Developer", "Welder");

WORDS(asr_words_emotion, "love", "joy", "surprise", "anger", "sadness", "fear");

WORDS(asr_words_nationality,
      "Afghan", "Albanian", "Algerian", "American", "Andorran", "Angolan", "Argentine",
      "Armenian", "Australian", "Austrian", "Azerbaijani", "Bahamian", "Bahraini", "Bangladeshi",
      "Barbadian", "Belarusian", "Belgian", "Belizean", "Beninese", "Bhutanese", "Bolivian",
      "Bosnian", "Brazilian", "British", "Bruneian", "Bulgarian", "Burkinabe", "Burundian",
      "Cambodian", "Cameroonian", "Canadian", "Cape Verdean", "Chadian", "Chilean", "Chinese",
      "Colombian", "Comorian", "Congolese", "Costa Rican", "Croatian", "Cuban", "Cypriot",
      "Czech", "Danish", "Djiboutian", "Dominican", "Dutch", "Ecuadorian", "Egyptian",
      "Emirati", "Eritrean", "Estonian", "Ethiopian", "Fijian", "Filipino", "Finnish", "French",
      "Gabonese", "Gambian", "Georgian", "German", "Ghanaian", "Greek", "Grenadian",
      "Guatemalan", "Guinean", "Guyanese", "Haitian", "Honduran", "Hungarian", "Icelandic",
      "Indian", "Indonesian", "Iranian", "Iraqi", "Irish", "Israeli", "Italian", "Ivorian",
      "Jamaican", "Japanese", "Jordanian", "Kazakh", "Kenyan", "Kuwaiti", "Kyrgyz", "Lao",
      "Latvian", "Lebanese", "Liberian", "Libyan", "Lithuanian", "Luxembourgish", "Malagasy",
      "Malawian", "Malaysian", "Maldivian", "Malian", "Maltese", "Mauritanian", "Mauritian",
      "Mexican", "Moldovan", "Monegasque", "Mongolian", "Montenegrin", "Moroccan", "Mozambican",
      "Namibian", "Nepali", "New Zealander", "Nicaraguan", "Nigerian", "Nigerien",
      "North Korean", "Norwegian", "Omani", "Pakistani", "Panamanian", "Paraguayan", "Peruvian",
      "Polish", "Portuguese", "Qatari", "Romanian", "Russian", "Rwandan", "Salvadoran",
      "Samoan", "Saudi", "Senegalese", "Serbian", "Sierra Leonean", "Singaporean", "Slovak",
      "Slovenian", "Somali", "South African", "South Korean", "Spanish", "Sri Lankan",
      "Sudanese", "Surinamese", "Swedish", "Swiss", "Syrian", "Taiwanese", "Tajik", "Tanzanian",
      "Thai", "Togolese", "Tongan", "Tunisian", "Turkish", "Turkmen", "Ugandan", "Ukrainian",
      "Uruguayan", "Uzbek", "Venezuelan", "Vietnamese", "Yemeni", "Zambian", "Zimbabwean");

WORDS(asr_words_zodiac, "Aries", "Taurus", "Gemini", "Cancer", "Leo", "Virgo", "Libra",
      "Scorpio", "Sagittarius", "Capricorn", "Aquarius", "Pisces");

const asr_title_t asr_words_prefixes[] = {
    {"Dr.", "Doctor", ""}, {"Mr.", "Mister", "m"}, {"Miss", "Miss", "f"}, {"Mrs.", "Missus", "f"}};
const uint32_t asr_words_prefixes_n = COUNT(asr_words_prefixes);

const asr_title_t asr_words_suffixes[] = {
    {"Jr.", "Junior", ""},
    {"Sr.", "Senior", ""},
    {"II", "The Second", ""},
    {"III", "The Third", ""},
    {"IV", "The Fourth", ""},
    {"Esq.", "Esquire", ""},
    {"Ph.D.", "Doctor of Philosophy", ""},
    {"M.D.", "Doctor of Medicine", ""},
    {"D.D.S.", "Doctor of Dental Surgery", ""},
    {"J.D.", "Juris Doctor", ""},
    {"M.A.", "Master of Arts", ""},
    {"M.S.", "Master of Science", ""},
    {"M.B.A.", "Master of Business Administration", ""},
    {"B.A.", "Bachelor of Arts", ""},
    {"B.Sc.", "Bachelor of Science", ""},
    {"CPA", "Certified Public Accountant", ""}};
const uint32_t asr_words_suffixes_n = COUNT(asr_words_suffixes);

/* ---- finance -------------------------------------------------------------------------------- */

const asr_card_type_t asr_words_cards[] = {
    {"Visa", "visa", "4", 16},
    {"Visa Electron", "electron", "4026", 16},
    {"Mastercard", "mc", "51", 16},
    {"American Express", "amex", "37", 15},
    {"Discover Card", "discover", "6011", 16},
    {"JCB", "jcb", "3530", 16},
    {"Diners Club International", "dcintl", "36", 14},
    {"Diners Club Carte Blanche", "dccarte", "301", 14},
    {"China UnionPay", "chinaunion", "62", 16},
    {"Maestro", "maestro", "6759", 16},
    {"InstaPayment", "instapay", "638", 16},
    {"RuPay", "rupay", "6521", 16},
    {"Mir", "mir", "2200", 16}};
const uint32_t asr_words_cards_n = COUNT(asr_words_cards);

/* ---- emoji ---------------------------------------------------------------------------------- */

const char *const asr_words_emoji_categories[ASR_EMOJI_CATEGORIES + 1] = {
    "smileys_and_emotion", "people_and_body", "animals_and_nature", "food_and_drink",
    "travel_and_places",   "activities",      "objects",            "symbols",
    "flags",               NULL};

static const asr_code_run_t smileys[] = {{0x1F600, 80}};
static const asr_code_run_t people[] = {{0x1F466, 4}, {0x1F44A, 7}, {0x1F9D1, 13}};
static const asr_code_run_t nature[] = {{0x1F400, 61}, {0x1F332, 4}, {0x1F337, 14}};
static const asr_code_run_t food[] = {{0x1F345, 56}};
static const asr_code_run_t travel[] = {{0x1F680, 37}, {0x1F3E0, 17}};
static const asr_code_run_t activities[] = {{0x1F3A0, 16}, {0x1F3BD, 14}};
static const asr_code_run_t objects[] = {{0x1F4BB, 32}};
static const asr_code_run_t symbols[] = {{0x2648, 12}, {0x1F534, 10}};

#define CATEGORY(runs, total) {runs, COUNT(runs), total}
const asr_emoji_category_t asr_words_emoji[ASR_EMOJI_CATEGORIES] = {
    CATEGORY(smileys, 80), CATEGORY(people, 24), CATEGORY(nature, 79),
    CATEGORY(food, 56),    CATEGORY(travel, 54), CATEGORY(activities, 30),
    CATEGORY(objects, 32), CATEGORY(symbols, 22), {NULL, 0, 0} /* flags: from the countries */};

/* ---- names by nationality (chance's codes; "en" is words.c's lists) ------------------------ */

const char *const asr_words_first_nationalities[ASR_FIRST_NATIONALITIES + 1] = {"en", "it", "nl", "fr", NULL};
const char *const asr_words_last_nationalities[ASR_LAST_NATIONALITIES + 1] = {
    "en", "it", "nl", "uk", "de", "jp", "es", "fr", NULL};

LIST(male_it, "Alessandro", "Andrea", "Antonio", "Carlo", "Claudio", "Daniele", "Davide",
     "Emanuele", "Enrico", "Fabio", "Federico", "Filippo", "Francesco", "Gabriele", "Giacomo",
     "Giovanni", "Giuseppe", "Lorenzo", "Luca", "Marco", "Matteo", "Michele", "Nicola", "Paolo",
     "Pietro", "Riccardo", "Roberto", "Salvatore", "Simone", "Stefano", "Tommaso", "Vincenzo");
LIST(female_it, "Alessandra", "Alice", "Anna", "Beatrice", "Camilla", "Chiara", "Elena",
     "Elisa", "Federica", "Francesca", "Giada", "Giorgia", "Giulia", "Ilaria", "Laura",
     "Lucia", "Maria", "Marta", "Martina", "Matilde", "Paola", "Roberta", "Sara", "Serena",
     "Silvia", "Sofia", "Valentina", "Veronica");
LIST(male_nl, "Bram", "Daan", "Dirk", "Floris", "Gijs", "Hendrik", "Jan", "Jeroen", "Joost",
     "Koen", "Lars", "Lucas", "Maarten", "Niels", "Pieter", "Ruben", "Sander", "Sem", "Stijn",
     "Thijs", "Tim", "Wouter", "Willem", "Jasper", "Bas", "Rutger");
LIST(female_nl, "Anouk", "Bente", "Daphne", "Eva", "Fenna", "Femke", "Fleur", "Ilse", "Iris",
     "Janneke", "Julia", "Lieke", "Lotte", "Maaike", "Marieke", "Noor", "Roos", "Sanne",
     "Sophie", "Tess", "Marloes", "Esther", "Willemijn", "Anneke");
LIST(male_fr, "Alexandre", "Antoine", "Arnaud", "Baptiste", "Benoit", "Cedric", "Christophe",
     "Clement", "Damien", "Etienne", "Francois", "Guillaume", "Hugo", "Julien", "Laurent",
     "Louis", "Lucas", "Mathieu", "Maxime", "Nicolas", "Olivier", "Pascal", "Philippe",
     "Pierre", "Quentin", "Remi", "Sebastien", "Theo", "Thomas", "Vincent", "Yann");
LIST(female_fr, "Amelie", "Anais", "Aurelie", "Camille", "Caroline", "Celine", "Chloe",
     "Claire", "Elise", "Emilie", "Emma", "Helene", "Juliette", "Lea", "Louise", "Manon",
     "Margaux", "Marion", "Mathilde", "Nathalie", "Pauline", "Sandrine", "Sophie", "Valerie",
     "Virginie", "Zoe");

LIST(last_it, "Bianchi", "Bruno", "Colombo", "Conti", "Costa", "De Luca", "Esposito", "Ferrara",
     "Ferrari", "Fontana", "Galli", "Gallo", "Giordano", "Greco", "Lombardi", "Mancini",
     "Marino", "Martini", "Moretti", "Ricci", "Rinaldi", "Romano", "Rossi", "Russo", "Santoro",
     "Barbieri", "Caruso", "Leone", "Longo", "Villa", "Serra", "Vitale");
LIST(last_nl, "Bakker", "Boer", "Bos", "Brouwer", "de Boer", "de Graaf", "de Groot", "de Jong",
     "de Vries", "Dekker", "Dijkstra", "Hendriks", "Jansen", "Janssen", "Kok", "Meijer",
     "Mulder", "Peters", "Smit", "Smits", "van Beek", "van den Berg", "van der Meer",
     "van Dijk", "van Leeuwen", "Visser", "Vos", "Willems");
LIST(last_uk, "Ashworth", "Barnes", "Bennett", "Brooks", "Chapman", "Clarke", "Davies",
     "Edwards", "Evans", "Fletcher", "Hughes", "Jenkins", "Lloyd", "Marsh", "Morgan",
     "Owen", "Parker", "Pritchard", "Roberts", "Shaw", "Thomas", "Turner", "Walsh", "Watson",
     "Whitfield", "Wright", "Holloway", "Pemberton");
LIST(last_de, "Bauer", "Becker", "Braun", "Fischer", "Hartmann", "Hoffmann", "Koch", "Kraus",
     "Krueger", "Lange", "Mayer", "Meyer", "Mueller", "Neumann", "Richter", "Schaefer",
     "Schmidt", "Schmitz", "Schneider", "Schroeder", "Schulz", "Schwarz", "Wagner", "Weber",
     "Werner", "Wolf", "Zimmermann", "Klein");
LIST(last_jp, "Abe", "Endo", "Fujita", "Goto", "Hayashi", "Ikeda", "Inoue", "Ishikawa", "Ito",
     "Kato", "Kimura", "Kobayashi", "Matsumoto", "Mori", "Nakamura", "Nakajima", "Ogawa",
     "Saito", "Sasaki", "Sato", "Shimizu", "Suzuki", "Takahashi", "Tanaka", "Watanabe",
     "Yamada", "Yamaguchi", "Yamamoto", "Yoshida");
LIST(last_es, "Alonso", "Alvarez", "Diaz", "Fernandez", "Garcia", "Gomez", "Gonzalez",
     "Gutierrez", "Hernandez", "Jimenez", "Lopez", "Martin", "Martinez", "Moreno", "Munoz",
     "Navarro", "Perez", "Romero", "Rodriguez", "Ruiz", "Sanchez", "Torres", "Dominguez",
     "Vazquez", "Ramos", "Gil");
LIST(last_fr, "Bernard", "Bertrand", "Bonnet", "Dubois", "Dupont", "Durand", "Fontaine",
     "Fournier", "Garnier", "Girard", "Lambert", "Laurent", "Lefebvre", "Leroy", "Martin",
     "Mercier", "Michel", "Moreau", "Morel", "Petit", "Richard", "Robert", "Roux", "Simon",
     "Thomas", "Chevalier", "Rousseau", "Blanc");

#define W(a) {a, COUNT(a)}
const asr_words_t asr_words_first_by_nationality[ASR_FIRST_NATIONALITIES][2] = {
    {{NULL, 0}, {NULL, 0}}, /* "en": asr_words_first_male / _female */
    {W(male_it), W(female_it)},
    {W(male_nl), W(female_nl)},
    {W(male_fr), W(female_fr)}};
const asr_words_t asr_words_last_by_nationality[ASR_LAST_NATIONALITIES] = {
    {NULL, 0} /* "en": asr_words_last */, W(last_it), W(last_nl), W(last_uk), W(last_de),
    W(last_jp), W(last_es), W(last_fr)};
