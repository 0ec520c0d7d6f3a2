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
    {"Dr.", "Doctor", ""}, {"Prof.", "Professor", ""}, {"Mr.", "Mister", "m"},
    {"Miss", "Miss", "f"}, {"Mrs.", "Missus", "f"},    {"Ms.", "Ms", "f"}};
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
