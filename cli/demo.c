/* Demo scenario: a deterministic (seeded) delivery day in Lyon, France, written as the JSON the
 * HTTP API accepts (scenario, service_area, depots, products, stock, vehicles, drivers, orders). */
#include "cli/demo.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define DEMO_DATE     "2026-03-17"
#define DEMO_DATE_REF "260317" /* in external_ref */
#define HOUR          3600

/* ---- Deterministic PRNG: xoshiro256** seeded through splitmix64 (never rand()) ---- */

typedef struct demo_rng {
    uint64_t s[4];
} demo_rng;

static uint64_t splitmix64(uint64_t *x) {
    uint64_t z = (*x += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static void rng_seed(demo_rng *r, uint64_t seed) {
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&seed);
}

static uint64_t rotl(uint64_t x, int k) {
    return (x << k) | (x >> (64 - k));
}

static uint64_t rng_next(demo_rng *r) {
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

/* Uniform in [0, n), unbiased (rejects the short top range). */
static uint32_t rng_below(demo_rng *r, uint32_t n) {
    uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t x;
    do
        x = rng_next(r);
    while (x >= limit);
    return (uint32_t)(x % n);
}

/* Uniform in [0, 1) with 53 random bits. */
static double rng_unit(demo_rng *r) {
    return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

/* Roughly normal with mean 0 and deviation 1 (Irwin-Hall of 12 uniforms): plain arithmetic, so
 * the output is the same wherever IEEE doubles are. */
static double rng_normalish(demo_rng *r) {
    double s = 0;
    for (int i = 0; i < 12; i++)
        s += rng_unit(r);
    return s - 6.0;
}

/* Index drawn with the given integer weights. */
static size_t rng_weighted(demo_rng *r, const unsigned *w, size_t n) {
    unsigned total = 0;
    for (size_t i = 0; i < n; i++)
        total += w[i];
    uint32_t x = rng_below(r, total);
    for (size_t i = 0; i < n; i++) {
        if (x < w[i]) return i;
        x -= w[i];
    }
    return n - 1;
}

/* ---- Static data: the city ---- */

/* Service area: Lyon, Villeurbanne and the near suburbs, [lon, lat], counter-clockwise (RFC 7946
 * exterior ring), closed. */
static const double service_area[][2] = {
    {4.775, 45.720}, {4.805, 45.700}, {4.850, 45.690}, {4.900, 45.690}, {4.935, 45.720},
    {4.950, 45.755}, {4.935, 45.790}, {4.880, 45.805}, {4.840, 45.818}, {4.800, 45.815},
    {4.765, 45.790}, {4.760, 45.745}, {4.775, 45.720},
};
#define N_AREA (sizeof service_area / sizeof service_area[0])

static bool in_service_area(double lon, double lat) {
    bool in = false;
    for (size_t i = 0, j = N_AREA - 1; i < N_AREA; j = i++) {
        double xi = service_area[i][0], yi = service_area[i][1];
        double xj = service_area[j][0], yj = service_area[j][1];
        if ((yi > lat) != (yj > lat) && lon < (xj - xi) * (lat - yi) / (yj - yi) + xi) in = !in;
    }
    return in;
}

typedef struct demo_depot {
    const char *id, *name, *address;
    double lon, lat;
} demo_depot;

static const demo_depot depots[2] = {
    {"DEP-VEN", "Entrepôt Vénissieux", "45 Boulevard Joliot-Curie, 69200 Vénissieux", 4.8790,
     45.7050},
    {"DEP-VLX", "Entrepôt Vaulx-en-Velin", "12 Rue Louis Saulnier, 69120 Vaulx-en-Velin", 4.9260,
     45.7700},
};

/* Neighbourhoods orders are drawn around: centre, spread (degrees), weight, postcode, streets. */
typedef struct demo_area {
    double lat, lon, sigma;
    unsigned weight;
    const char *postcode, *city;
    const char *streets[6];
} demo_area;

static const demo_area areas[] = {
    {45.7578,
     4.8320,
     0.004,
     9,
     "69002",
     "Lyon",
     {"Rue de la République", "Rue Victor Hugo", "Rue Mercière", "Quai Saint-Antoine",
      "Rue Édouard Herriot", "Rue du Président Carnot"}},
    {45.7690,
     4.8320,
     0.003,
     6,
     "69001",
     "Lyon",
     {"Rue d'Algérie", "Rue Paul Chenavard", "Montée de la Grande Côte", "Rue Burdeau",
      "Rue Sergent Blandan", "Rue de la Martinière"}},
    {45.7770,
     4.8270,
     0.004,
     7,
     "69004",
     "Lyon",
     {"Boulevard de la Croix-Rousse", "Rue d'Austerlitz", "Grande Rue de la Croix-Rousse",
      "Rue Dumenge", "Rue Belfort", "Rue Hénon"}},
    {45.7580,
     4.8150,
     0.004,
     5,
     "69005",
     "Lyon",
     {"Rue Saint-Jean", "Rue du Bœuf", "Montée du Gourguillon", "Rue des Farges",
      "Avenue du Point du Jour", "Rue Joliot-Curie"}},
    {45.7690,
     4.8500,
     0.005,
     9,
     "69006",
     "Lyon",
     {"Boulevard des Belges", "Rue Vendôme", "Cours Franklin Roosevelt", "Rue Garibaldi",
      "Avenue Maréchal Foch", "Rue Duguesclin"}},
    {45.7500,
     4.8450,
     0.005,
     9,
     "69007",
     "Lyon",
     {"Grande Rue de la Guillotière", "Avenue Jean Jaurès", "Rue de Marseille", "Rue Chevreul",
      "Rue de l'Université", "Rue Béchevelin"}},
    {45.7320,
     4.8350,
     0.005,
     5,
     "69007",
     "Lyon",
     {"Avenue Tony Garnier", "Rue de Gerland", "Allée Pierre de Coubertin", "Rue Challemel-Lacour",
      "Boulevard de l'Artillerie", "Rue Pré-Gaudry"}},
    {45.7380,
     4.8700,
     0.006,
     8,
     "69008",
     "Lyon",
     {"Avenue des Frères Lumière", "Rue Antoine Lumière", "Boulevard des États-Unis",
      "Avenue Paul Santy", "Route de Vienne", "Rue Saint-Maurice"}},
    {45.7740,
     4.8050,
     0.005,
     6,
     "69009",
     "Lyon",
     {"Rue de Bourgogne", "Grande Rue de Vaise", "Rue Marietton", "Quai du Commerce",
      "Avenue Sidoine Apollinaire", "Rue du Bourbonnais"}},
    {45.7610,
     4.8570,
     0.005,
     9,
     "69003",
     "Lyon",
     {"Rue Paul Bert", "Cours Lafayette", "Avenue Félix Faure", "Rue Servient", "Cours Gambetta",
      "Rue Moncey"}},
    {45.7560,
     4.8850,
     0.004,
     4,
     "69003",
     "Lyon",
     {"Rue Charles Richard", "Cours du Docteur Long", "Rue Ferdinand Buisson", "Rue Trarieux",
      "Avenue Lacassagne", "Rue Professeur Florence"}},
    {45.7430,
     4.8180,
     0.004,
     4,
     "69002",
     "Lyon",
     {"Cours Charlemagne", "Quai Rambaud", "Rue Smith", "Place Nautique", "Rue Denuzière",
      "Quai Perrache"}},
    {45.7700,
     4.8800,
     0.006,
     9,
     "69100",
     "Villeurbanne",
     {"Avenue Henri Barbusse", "Cours Émile Zola", "Rue Anatole France", "Rue Francis de Pressensé",
      "Rue Léon Blum", "Cours Tolstoï"}},
    {45.7720,
     4.8640,
     0.004,
     5,
     "69100",
     "Villeurbanne",
     {"Boulevard du 11 Novembre 1918", "Rue du Tonkin", "Avenue Roger Salengro", "Rue Jean Moulin",
      "Rue Racine", "Rue Greuze"}},
    {45.7780,
     4.9200,
     0.005,
     4,
     "69120",
     "Vaulx-en-Velin",
     {"Avenue Gabriel Péri", "Rue de la République", "Chemin du Grand Bois",
      "Avenue Maurice Thorez", "Rue Émile Zola", "Avenue Georges Dimitrov"}},
    {45.7380,
     4.9130,
     0.005,
     4,
     "69500",
     "Bron",
     {"Avenue Franklin Roosevelt", "Boulevard Pinel", "Avenue Camille Rousset", "Rue Marcel Bramet",
      "Avenue Pierre Brossolette", "Rue Jean Jaurès"}},
    {45.6980,
     4.8860,
     0.005,
     4,
     "69200",
     "Vénissieux",
     {"Avenue Jean Cagne", "Boulevard Ambroise Croizat", "Rue Paul Bert", "Avenue de la République",
      "Boulevard Laurent Gérin", "Rue Gaspard Picard"}},
    {45.7950,
     4.8450,
     0.005,
     4,
     "69300",
     "Caluire-et-Cuire",
     {"Avenue du Général de Gaulle", "Montée des Soldats", "Rue Jean Moulin", "Avenue Élie Vignal",
      "Chemin de Wette", "Rue Pasteur"}},
    {45.7150,
     4.8080,
     0.004,
     3,
     "69600",
     "Oullins",
     {"Grande Rue", "Boulevard Émile Zola", "Rue Voltaire", "Rue de la Camille",
      "Avenue Jean Jaurès", "Rue Tupin"}},
    {45.7750,
     4.7800,
     0.005,
     3,
     "69130",
     "Écully",
     {"Chemin du Petit Bois", "Avenue Guy de Collongue", "Grande Rue", "Chemin de la Sauvegarde",
      "Avenue Édouard Aynard", "Rue Jean Rigaud"}},
    {45.7340,
     4.7950,
     0.004,
     2,
     "69110",
     "Sainte-Foy-lès-Lyon",
     {"Chemin de Montray", "Grande Rue", "Avenue Maréchal Foch", "Rue Châtelain",
      "Chemin des Fonts", "Rue du Commandant Charcot"}},
    {45.7080,
     4.8530,
     0.003,
     2,
     "69190",
     "Saint-Fons",
     {"Rue Carnot", "Avenue Albert Thomas", "Rue Pasteur", "Boulevard Yves Farge",
      "Rue Jules Guesde", "Rue Parmentier"}},
};
#define N_AREAS (sizeof areas / sizeof areas[0])

typedef struct demo_product {
    const char *name;
    double weight_kg, volume_l;
    unsigned popularity; /* relative order frequency */
    unsigned max_qty;    /* per line */
} demo_product;

static const demo_product products[] = {
    {"Eau minérale 6 x 1,5 L", 9.3, 10.5, 8, 4},
    {"Café en grains 1 kg", 1.05, 2.0, 6, 3},
    {"Lessive liquide 3 L", 3.2, 3.5, 5, 2},
    {"Papier toilette 12 rouleaux", 1.4, 18.0, 6, 3},
    {"Huile d'olive vierge extra 1 L", 1.0, 1.2, 4, 3},
    {"Farine de blé T55 1 kg", 1.0, 1.3, 3, 3},
    {"Pâtes 6 x 500 g", 3.1, 4.5, 5, 3},
    {"Riz basmati 2 kg", 2.0, 2.6, 4, 2},
    {"Lait demi-écrémé 6 x 1 L", 6.3, 7.0, 7, 3},
    {"Jus d'orange 6 x 1 L", 6.5, 7.2, 4, 2},
    {"Côtes du Rhône rouge 6 x 75 cl", 8.1, 9.0, 3, 2},
    {"Bière blonde 12 x 33 cl", 5.2, 6.0, 3, 2},
    {"Croquettes pour chat 4 kg", 4.1, 8.0, 3, 2},
    {"Couches taille 4 x 60", 2.8, 20.0, 3, 2},
    {"Aspirateur balai sans fil", 3.5, 45.0, 1, 1},
    {"Four micro-ondes 20 L", 11.0, 55.0, 1, 1},
    {"Bouilloire électrique", 1.4, 6.0, 2, 1},
    {"Cafetière filtre", 2.0, 10.0, 2, 1},
    {"Machine à expresso", 6.0, 30.0, 1, 1},
    {"Grille-pain", 1.8, 8.0, 2, 1},
    {"Ventilateur colonne", 5.0, 40.0, 1, 1},
    {"Lampe de bureau LED", 1.2, 6.0, 2, 1},
    {"Chaise de bureau", 14.0, 120.0, 1, 1},
    {"Étagère 5 niveaux en kit", 18.0, 60.0, 1, 1},
    {"Matelas 140 x 190", 22.0, 380.0, 1, 1},
    {"Oreillers x 2", 1.6, 40.0, 2, 2},
    {"Couette 220 x 240", 2.5, 50.0, 1, 1},
    {"Serviettes de bain x 4", 2.0, 8.0, 2, 2},
    {"Poêle 28 cm", 1.3, 5.0, 2, 1},
    {"Batterie de casseroles x 5", 6.5, 28.0, 1, 1},
    {"Set de couteaux de cuisine", 1.5, 4.0, 1, 1},
    {"Écran 27 pouces", 7.0, 45.0, 1, 1},
    {"Imprimante jet d'encre", 5.5, 40.0, 1, 1},
    {"Ramettes papier A4 x 5", 12.5, 15.0, 2, 2},
    {"Casque audio sans fil", 0.6, 3.0, 2, 1},
    {"Tablette 10 pouces", 0.9, 2.5, 1, 1},
    {"Jeu de société familial", 1.2, 5.0, 2, 1},
    {"Plante verte en pot", 4.0, 25.0, 1, 2},
    {"Terreau universel 40 L", 16.0, 42.0, 1, 2},
    {"Peinture murale blanche 10 L", 13.0, 11.0, 1, 2},
};
#define N_PRODUCTS (sizeof products / sizeof products[0])

typedef struct demo_name {
    const char *name, *ascii; /* ascii: for e-mail addresses */
} demo_name;

static const demo_name first_names[] = {
    {"Camille", "camille"},   {"Léa", "lea"},         {"Manon", "manon"},   {"Chloé", "chloe"},
    {"Emma", "emma"},         {"Inès", "ines"},       {"Sarah", "sarah"},   {"Jade", "jade"},
    {"Louise", "louise"},     {"Alice", "alice"},     {"Julie", "julie"},   {"Hélène", "helene"},
    {"Nathalie", "nathalie"}, {"Sophie", "sophie"},   {"Claire", "claire"}, {"Amina", "amina"},
    {"Yasmine", "yasmine"},   {"Zoé", "zoe"},         {"Lucie", "lucie"},   {"Marion", "marion"},
    {"Lucas", "lucas"},       {"Hugo", "hugo"},       {"Louis", "louis"},   {"Nathan", "nathan"},
    {"Thomas", "thomas"},     {"Théo", "theo"},       {"Maxime", "maxime"}, {"Antoine", "antoine"},
    {"Julien", "julien"},     {"Nicolas", "nicolas"}, {"Pierre", "pierre"}, {"Jérôme", "jerome"},
    {"Mehdi", "mehdi"},       {"Karim", "karim"},     {"Paul", "paul"},     {"Mathis", "mathis"},
    {"Arthur", "arthur"},     {"Quentin", "quentin"}, {"Romain", "romain"}, {"Yanis", "yanis"},
};
#define N_FIRST (sizeof first_names / sizeof first_names[0])

static const demo_name last_names[] = {
    {"Martin", "martin"},     {"Bernard", "bernard"},   {"Thomas", "thomas"},
    {"Petit", "petit"},       {"Robert", "robert"},     {"Richard", "richard"},
    {"Durand", "durand"},     {"Dubois", "dubois"},     {"Moreau", "moreau"},
    {"Laurent", "laurent"},   {"Simon", "simon"},       {"Michel", "michel"},
    {"Lefebvre", "lefebvre"}, {"Leroy", "leroy"},       {"Roux", "roux"},
    {"David", "david"},       {"Bertrand", "bertrand"}, {"Morel", "morel"},
    {"Fournier", "fournier"}, {"Girard", "girard"},     {"Bonnet", "bonnet"},
    {"Dupont", "dupont"},     {"Lambert", "lambert"},   {"Fontaine", "fontaine"},
    {"Rousseau", "rousseau"}, {"Vincent", "vincent"},   {"Muller", "muller"},
    {"Lefèvre", "lefevre"},   {"Faure", "faure"},       {"André", "andre"},
    {"Mercier", "mercier"},   {"Blanc", "blanc"},       {"Guérin", "guerin"},
    {"Boyer", "boyer"},       {"Garnier", "garnier"},   {"Chevalier", "chevalier"},
    {"François", "francois"}, {"Legrand", "legrand"},   {"Gauthier", "gauthier"},
    {"Garcia", "garcia"},     {"Perrin", "perrin"},     {"Robin", "robin"},
    {"Clément", "clement"},   {"Morin", "morin"},       {"Nicolas", "nicolas"},
    {"Henry", "henry"},       {"Benali", "benali"},     {"Nguyen", "nguyen"},
    {"Haddad", "haddad"},     {"Diallo", "diallo"},     {"Da Silva", "dasilva"},
    {"Rossi", "rossi"},       {"Meyer", "meyer"},       {"Bouvier", "bouvier"},
    {"Barbier", "barbier"},   {"Brun", "brun"},
};
#define N_LAST (sizeof last_names / sizeof last_names[0])

static const char *const mail_domains[] = {"example.com", "example.org", "example.net"};

static const char *const notes[] = {
    "Laisser chez le gardien",
    "Appeler 10 minutes avant la livraison",
    "3e étage sans ascenseur",
    "Sonner à l'interphone",
    "Livrer à l'accueil",
    "Ne pas laisser devant la porte",
    "Entrée par la cour intérieure",
    "Fragile : verre",
    "Chien dans le jardin, sonner",
    "Bureau fermé entre 12 h et 14 h",
};
#define N_NOTES (sizeof notes / sizeof notes[0])

static const char *const channels[] = {"web", "marketplace", "store", "phone"};
static const char *const channel_prefix[] = {"WEB", "MKP", "STO", "TEL"};
static const unsigned channel_weight[] = {55, 20, 15, 10};

/* Delivery slots (seconds since local midnight): 2 to 4 hours inside 08:00-18:00. */
static const int32_t slots[][2] = {
    {8 * HOUR, 10 * HOUR},  {10 * HOUR, 12 * HOUR}, {12 * HOUR, 14 * HOUR}, {14 * HOUR, 16 * HOUR},
    {16 * HOUR, 18 * HOUR}, {8 * HOUR, 11 * HOUR},  {11 * HOUR, 14 * HOUR}, {14 * HOUR, 17 * HOUR},
    {15 * HOUR, 18 * HOUR}, {8 * HOUR, 12 * HOUR},  {10 * HOUR, 14 * HOUR}, {13 * HOUR, 17 * HOUR},
    {14 * HOUR, 18 * HOUR},
};
static const unsigned slot_weight[] = {10, 10, 6, 10, 9, 6, 5, 6, 6, 8, 6, 6, 8};
#define N_SLOTS (sizeof slots / sizeof slots[0])

#define N_ORDERS   600
#define N_VEHICLES 25
#define MAX_LINES  4

/* ---- The generated day ---- */

typedef struct demo_order {
    unsigned channel;
    char ref[24];
    char name[64], phone[24], email[96], address[160], note[64];
    double lon, lat;
    size_t n_lines;
    unsigned sku[MAX_LINES], qty[MAX_LINES];
    int32_t tw_start, tw_end;
    unsigned priority;
} demo_order;

typedef struct demo_stock {
    unsigned on_hand[2], reorder_point[2];
} demo_stock;

static void demo_phone(demo_rng *r, char *buf, size_t size) {
    snprintf(buf, size, "+33 %u %02u %02u %02u %02u", rng_below(r, 10) < 7 ? 6u : 7u,
             rng_below(r, 100), rng_below(r, 100), rng_below(r, 100), rng_below(r, 100));
}

static double round6(double v) {
    return round(v * 1e6) / 1e6;
}

static void demo_make_order(demo_rng *r, size_t i, demo_order *o) {
    o->channel = (unsigned)rng_weighted(r, channel_weight, 4);
    snprintf(o->ref, sizeof o->ref, "%s-%s-%04zu", channel_prefix[o->channel], DEMO_DATE_REF,
             i + 1);
    const demo_name *fn = &first_names[rng_below(r, N_FIRST)];
    const demo_name *ln = &last_names[rng_below(r, N_LAST)];
    snprintf(o->name, sizeof o->name, "%s %s", fn->name, ln->name);
    demo_phone(r, o->phone, sizeof o->phone);
    snprintf(o->email, sizeof o->email, "%s.%s%u@%s", fn->ascii, ln->ascii, rng_below(r, 100),
             mail_domains[rng_below(r, 3)]);

    unsigned aw[N_AREAS];
    for (size_t k = 0; k < N_AREAS; k++)
        aw[k] = areas[k].weight;
    const demo_area *a = &areas[rng_weighted(r, aw, N_AREAS)];
    /* Scatter around the neighbourhood; retry until inside the service area (the centres are
     * inside, so the fallback keeps the promise). */
    o->lon = a->lon;
    o->lat = a->lat;
    for (int tries = 0; tries < 50; tries++) {
        /* 1 degree of longitude is ~0.7 of a degree of latitude at 45.75 N. */
        double lat = round6(a->lat + rng_normalish(r) * a->sigma);
        double lon = round6(a->lon + rng_normalish(r) * a->sigma * 1.43);
        if (in_service_area(lon, lat)) {
            o->lon = lon;
            o->lat = lat;
            break;
        }
    }
    snprintf(o->address, sizeof o->address, "%u %s, %s %s", 1 + rng_below(r, 140),
             a->streets[rng_below(r, 6)], a->postcode, a->city);

    static const unsigned line_weight[MAX_LINES] = {45, 30, 17, 8};
    o->n_lines = 1 + rng_weighted(r, line_weight, MAX_LINES);
    unsigned pw[N_PRODUCTS];
    for (size_t k = 0; k < N_PRODUCTS; k++)
        pw[k] = products[k].popularity;
    for (size_t l = 0; l < o->n_lines; l++) {
        unsigned sku = (unsigned)rng_weighted(r, pw, N_PRODUCTS);
        pw[sku] = 0; /* distinct SKUs per order */
        o->sku[l] = sku;
        o->qty[l] = 1 + rng_below(r, products[sku].max_qty);
    }
    size_t s = rng_weighted(r, slot_weight, N_SLOTS);
    o->tw_start = slots[s][0];
    o->tw_end = slots[s][1];
    uint32_t p = rng_below(r, 100);
    o->priority = p < 2 ? 100 : p < 12 ? 50 : 0;
    o->note[0] = '\0';
    uint32_t n = rng_below(r, 100);
    if (n < 10)
        snprintf(o->note, sizeof o->note, "Digicode %04u", rng_below(r, 10000));
    else if (n < 35)
        lm_strlcpy(o->note, notes[rng_below(r, N_NOTES)], sizeof o->note);
}

/* Stock from the day's demand: most SKUs are covered 1.6x or more; three are short (about half
 * the demand), one is out everywhere, and five are missing at one depot only, so that allocation
 * and the out-of-stock policies all have work. */
static void demo_make_stock(demo_rng *r, const demo_order *day_orders, demo_stock *stock) {
    unsigned demand[N_PRODUCTS] = {0};
    for (size_t i = 0; i < N_ORDERS; i++)
        for (size_t l = 0; l < day_orders[i].n_lines; l++)
            demand[day_orders[i].sku[l]] += day_orders[i].qty[l];
    enum { NORMAL, SHORT, OUT, ONE_DEPOT } kind[N_PRODUCTS];
    for (size_t k = 0; k < N_PRODUCTS; k++)
        kind[k] = NORMAL;
    /* Short and out SKUs must be ordered enough to matter. */
    int want_short = 3, want_out = 1, want_one = 5;
    for (int guard = 0; guard < 10000 && (want_short || want_out || want_one); guard++) {
        size_t k = rng_below(r, N_PRODUCTS);
        if (kind[k] != NORMAL) continue;
        if (want_short && demand[k] >= 6) {
            kind[k] = SHORT;
            want_short--;
        } else if (!want_short && want_out && demand[k] >= 3) {
            kind[k] = OUT;
            want_out--;
        } else if (!want_short && !want_out && want_one) {
            kind[k] = ONE_DEPOT;
            want_one--;
        }
    }
    for (size_t k = 0; k < N_PRODUCTS; k++) {
        demo_stock *s = &stock[k];
        for (int d = 0; d < 2; d++) {
            double f = 0.8 + 0.6 * rng_unit(r);
            unsigned normal = (unsigned)ceil(demand[k] * f) + 5 + rng_below(r, 16);
            switch (kind[k]) {
            case NORMAL: s->on_hand[d] = normal; break;
            case SHORT: s->on_hand[d] = demand[k] / 4; break;
            case OUT: s->on_hand[d] = 0; break;
            case ONE_DEPOT: s->on_hand[d] = normal * 2; break;
            }
            s->reorder_point[d] = 5 + s->on_hand[d] / 4;
            if (kind[k] == SHORT || kind[k] == OUT) s->reorder_point[d] = demand[k] / 2 + 10;
        }
        if (kind[k] == ONE_DEPOT) s->on_hand[rng_below(r, 2)] = 0;
    }
}

/* ---- JSON building: every add checks for NULL once, through the context's flag ---- */

typedef struct demo_json {
    bool ok;
} demo_json;

static cJSON *j_track(demo_json *j, cJSON *item) {
    if (!item) j->ok = false;
    return item;
}

static cJSON *j_obj(demo_json *j, cJSON *parent, const char *name) {
    if (!parent) return j_track(j, NULL);
    if (cJSON_IsArray(parent)) {
        cJSON *o = cJSON_CreateObject();
        if (o && !cJSON_AddItemToArray(parent, o)) {
            cJSON_Delete(o);
            o = NULL;
        }
        return j_track(j, o);
    }
    return j_track(j, cJSON_AddObjectToObject(parent, name));
}

static cJSON *j_arr(demo_json *j, cJSON *parent, const char *name) {
    if (!parent) return j_track(j, NULL);
    if (cJSON_IsArray(parent)) {
        cJSON *a = cJSON_CreateArray();
        if (a && !cJSON_AddItemToArray(parent, a)) {
            cJSON_Delete(a);
            a = NULL;
        }
        return j_track(j, a);
    }
    return j_track(j, cJSON_AddArrayToObject(parent, name));
}

static void j_num(demo_json *j, cJSON *parent, const char *name, double v) {
    if (!parent) {
        j->ok = false;
        return;
    }
    if (cJSON_IsArray(parent)) {
        cJSON *n = cJSON_CreateNumber(v);
        if (!n || !cJSON_AddItemToArray(parent, n)) {
            cJSON_Delete(n);
            j->ok = false;
        }
        return;
    }
    j_track(j, cJSON_AddNumberToObject(parent, name, v));
}

static void j_str(demo_json *j, cJSON *parent, const char *name, const char *s) {
    if (!parent) {
        j->ok = false;
        return;
    }
    j_track(j, cJSON_AddStringToObject(parent, name, s));
}

static void j_bool(demo_json *j, cJSON *parent, const char *name, bool v) {
    if (!parent) {
        j->ok = false;
        return;
    }
    j_track(j, cJSON_AddBoolToObject(parent, name, v));
}

/* [lon, lat] per DESIGN.md. */
static void j_point(demo_json *j, cJSON *parent, const char *name, double lon, double lat) {
    cJSON *p = j_arr(j, parent, name);
    j_num(j, p, NULL, lon);
    j_num(j, p, NULL, lat);
}

static void j_window(demo_json *j, cJSON *parent, const char *name, int32_t s, int32_t e) {
    cJSON *w = j_arr(j, parent, name);
    j_num(j, w, NULL, s);
    j_num(j, w, NULL, e);
}

static void demo_emit_fleet(demo_json *j, cJSON *root, demo_rng *r) {
    cJSON *vehicles = j_arr(j, root, "vehicles");
    cJSON *drivers = j_arr(j, root, "drivers");
    static const int32_t shift_starts[] = {7 * HOUR, 8 * HOUR, 8 * HOUR, 8 * HOUR, 9 * HOUR};
    for (unsigned v = 0; v < N_VEHICLES; v++) {
        char id[16], did[16], buf[64];
        snprintf(id, sizeof id, "VEH-%02u", v + 1);
        snprintf(did, sizeof did, "DRV-%02u", v + 1);
        bool big = v % 3 != 2; /* two vans in three are large */
        const demo_depot *dep = &depots[v < 13 ? 0 : 1];
        cJSON *o = j_obj(j, vehicles, NULL);
        j_str(j, o, "id", id);
        j_str(j, o, "name", big ? "Renault Master L3H2" : "Renault Kangoo Van E-Tech");
        j_str(j, o, "type", big ? "van" : "small_van");
        snprintf(buf, sizeof buf, "%c%c-%03u-%c%c", 'A' + rng_below(r, 26), 'A' + rng_below(r, 26),
                 rng_below(r, 1000), 'A' + rng_below(r, 26), 'A' + rng_below(r, 26));
        j_str(j, o, "plate", buf);
        j_num(j, o, "capacity_kg", big ? 1100 : 650);
        j_num(j, o, "capacity_l", big ? 13000 : 3600);
        j_str(j, o, "start_depot_id", dep->id);
        j_str(j, o, "end_depot_id", dep->id);
        j_str(j, o, "date", DEMO_DATE);
        int32_t start = shift_starts[rng_below(r, 5)];
        j_window(j, o, "time_window", start, start + 10 * HOUR);
        cJSON *breaks = j_arr(j, o, "breaks");
        cJSON *b = j_obj(j, breaks, NULL);
        j_num(j, b, "id", 1);
        j_str(j, b, "description", "lunch");
        cJSON *tws = j_arr(j, b, "time_windows");
        j_window(j, tws, NULL, 11 * HOUR + 1800, 14 * HOUR);
        j_num(j, b, "service", 2700);
        j_str(j, o, "driver_id", did);

        cJSON *d = j_obj(j, drivers, NULL);
        const demo_name *fn = &first_names[rng_below(r, N_FIRST)];
        const demo_name *ln = &last_names[rng_below(r, N_LAST)];
        j_str(j, d, "id", did);
        snprintf(buf, sizeof buf, "%s %s", fn->name, ln->name);
        j_str(j, d, "name", buf);
        demo_phone(r, buf, sizeof buf);
        j_str(j, d, "phone", buf);
        /* Traccar Client device identifiers are free text; unique by construction here. */
        snprintf(buf, sizeof buf, "%u%03u", 100 + v, rng_below(r, 1000));
        j_str(j, d, "device_id", buf);
        j_str(j, d, "vehicle_id", id);
    }
}

#define DEMO_SHIPPING_FEE 390 /* EUR cents */

/* A product's net price in EUR cents and its tax rate: derived from its index, no random draw. */
static int64_t demo_price(unsigned k) {
    return 150 + (int64_t)((k * 379u) % 1850u);
}

static void demo_emit_order(demo_json *j, cJSON *day_orders, const demo_order *o, size_t index) {
    cJSON *x = j_obj(j, day_orders, NULL);
    j_str(j, x, "external_ref", o->ref);
    j_str(j, x, "channel", channels[o->channel]);
    cJSON *c = j_obj(j, x, "customer");
    j_str(j, c, "name", o->name);
    j_str(j, c, "phone", o->phone);
    j_str(j, c, "email", o->email);
    j_str(j, c, "address", o->address);
    j_point(j, c, "location", o->lon, o->lat);
    cJSON *lines = j_arr(j, x, "lines");
    for (size_t l = 0; l < o->n_lines; l++) {
        cJSON *line = j_obj(j, lines, NULL);
        char sku[16];
        snprintf(sku, sizeof sku, "LYN-%04u", o->sku[l] + 1);
        j_str(j, line, "sku", sku);
        j_num(j, line, "quantity", o->qty[l]);
    }
    cJSON *tws = j_arr(j, x, "time_windows");
    j_window(j, tws, NULL, o->tw_start, o->tw_end);
    j_num(j, x, "priority", o->priority);
    j_str(j, x, "notes", o->note);
    /* money: prices come from the catalogue; one order in four is paid cash on delivery (no random
     * draw, so the rest of the day is what it was before orders had money) */
    j_str(j, x, "currency", "EUR");
    j_num(j, x, "shipping_fee", DEMO_SHIPPING_FEE);
    cJSON *pay = j_obj(j, x, "payment");
    j_str(j, pay, "method", index % 4 == 0 ? "cod" : "card");
}

lm_status demo_day_json(uint64_t seed, char **out_json) {
    lm_status st = LM_NOMEM;
    demo_order *day_orders = lm_calloc(N_ORDERS, sizeof *day_orders);
    demo_stock *stock = lm_calloc(N_PRODUCTS, sizeof *stock);
    cJSON *root = cJSON_CreateObject();
    char *text = NULL;
    if (!day_orders || !stock || !root) goto fail;
    demo_json j = {true};
    demo_rng r;
    rng_seed(&r, seed);

    /* Generate first (stock depends on the orders), then emit in reading order. */
    for (size_t i = 0; i < N_ORDERS; i++)
        demo_make_order(&r, i, &day_orders[i]);
    /* One company order is heavier than any vehicle: the oversize audit rule has a case. */
    demo_order *big = &day_orders[rng_below(&r, N_ORDERS)];
    big->n_lines = 1;
    big->sku[0] = 0; /* water, 9.3 kg a pack */
    big->qty[0] = 150;
    lm_strlcpy(big->note, "Commande entreprise : une palette", sizeof big->note);
    demo_make_stock(&r, day_orders, stock);

    cJSON *sc = j_obj(&j, root, "scenario");
    char seed_text[24];
    snprintf(seed_text, sizeof seed_text, "%llu", (unsigned long long)seed);
    j_str(&j, sc, "name", "Lyon demo day");
    j_str(&j, sc, "city", "Lyon, France");
    j_str(&j, sc, "date", DEMO_DATE);
    j_str(&j, sc, "timezone", "Europe/Paris");
    j_str(&j, sc, "seed", seed_text);
    j_str(&j, sc, "generator", "lastmile demo_day_json 1");

    cJSON *area = j_obj(&j, root, "service_area");
    j_str(&j, area, "type", "Polygon");
    cJSON *rings = j_arr(&j, area, "coordinates");
    cJSON *ring = j_arr(&j, rings, NULL);
    for (size_t i = 0; i < N_AREA; i++)
        j_point(&j, ring, NULL, service_area[i][0], service_area[i][1]);

    cJSON *deps = j_arr(&j, root, "depots");
    for (size_t d = 0; d < 2; d++) {
        cJSON *o = j_obj(&j, deps, NULL);
        j_str(&j, o, "id", depots[d].id);
        j_str(&j, o, "name", depots[d].name);
        j_str(&j, o, "address", depots[d].address);
        j_point(&j, o, "location", depots[d].lon, depots[d].lat);
        j_window(&j, o, "opening_hours", 6 * HOUR, 20 * HOUR);
    }

    cJSON *prods = j_arr(&j, root, "products");
    for (unsigned k = 0; k < N_PRODUCTS; k++) {
        char sku[16];
        snprintf(sku, sizeof sku, "LYN-%04u", k + 1);
        cJSON *o = j_obj(&j, prods, NULL);
        j_str(&j, o, "sku", sku);
        j_str(&j, o, "name", products[k].name);
        j_num(&j, o, "weight_kg", products[k].weight_kg);
        j_num(&j, o, "volume_l", products[k].volume_l);
        j_bool(&j, o, "active", true);
    }

    /* prices: {"EUR": {"LYN-0001": {"unit_price", "tax_rate_bp"}}} (5.5 %: food in France) */
    cJSON *prices = j_obj(&j, j_obj(&j, root, "prices"), "EUR");
    for (unsigned k = 0; k < N_PRODUCTS; k++) {
        char sku[16];
        snprintf(sku, sizeof sku, "LYN-%04u", k + 1);
        cJSON *o = j_obj(&j, prices, sku);
        j_num(&j, o, "unit_price", (double)demo_price(k));
        j_num(&j, o, "tax_rate_bp", 550);
    }

    cJSON *stk = j_arr(&j, root, "stock");
    for (size_t d = 0; d < 2; d++)
        for (unsigned k = 0; k < N_PRODUCTS; k++) {
            char sku[16];
            snprintf(sku, sizeof sku, "LYN-%04u", k + 1);
            cJSON *o = j_obj(&j, stk, NULL);
            j_str(&j, o, "depot_id", depots[d].id);
            j_str(&j, o, "sku", sku);
            j_num(&j, o, "on_hand", stock[k].on_hand[d]);
            j_num(&j, o, "reorder_point", stock[k].reorder_point[d]);
        }

    demo_emit_fleet(&j, root, &r);

    cJSON *ords = j_arr(&j, root, "orders");
    for (size_t i = 0; i < N_ORDERS; i++)
        demo_emit_order(&j, ords, &day_orders[i], i);
    if (!j.ok) goto fail;

    char *printed = cJSON_Print(root);
    if (!printed) goto fail;
    text = lm_strdup(printed);
    cJSON_free(printed);
    if (!text) goto fail;
    *out_json = text;
    st = LM_OK;
fail:
    cJSON_Delete(root);
    lm_free(day_orders);
    lm_free(stock);
    return st;
}
