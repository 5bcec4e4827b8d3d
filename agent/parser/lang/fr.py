"""French: the words of a GPU request in the forms the English rules read (see :mod:`agent.parser.lang`)."""

from __future__ import annotations

from agent.parser.lang import Vocabulary

_B = r"(?<![\w-])"
_E = r"(?![\w-])"
_ART = r"(?:le|la|les|l')\s*"

PHRASES: list[tuple[str, str]] = [
    # Resets and references to the previous answer's offers.
    (
        rf"{_B}(?:laisse[sz]? tomber|oublie[sz]?(?: (?:ca|cela|tout))?|on recommence|recommencons|"
        rf"peu importe|on repart de zero|reprenons de zero|annule(?: ca)?){_E}",
        "never mind",
    ),
    (rf"{_B}{_ART}(?:premier|premiere)(?: offre)?{_E}", "the first one"),
    (rf"{_B}{_ART}(?:deuxieme|second|seconde|2e|2eme)(?: offre)?{_E}", "the second one"),
    (rf"{_B}{_ART}(?:troisieme|3e|3eme)(?: offre)?{_E}", "the third one"),
    (rf"{_B}{_ART}(?:quatrieme|4e)(?: offre)?{_E}", "the fourth one"),
    (rf"{_B}{_ART}(?:cinquieme|5e)(?: offre)?{_E}", "the fifth one"),
    (rf"{_B}{_ART}derniere?(?: offre)?{_E}", "the last one"),
    (rf"{_B}{_ART}moins chere?s? des deux{_E}", "the cheaper one"),
    (rf"{_B}{_ART}moins chere?(?=\s*(?:[?.!,]|$|pour|pendant|sur))", "the cheapest one"),
    (
        rf"{_B}(?:celui-ci|celui-la|celle-ci|celle-la|celui ci|celui la|celle ci|celle la|cette offre|"
        rf"cette machine){_E}",
        "that one",
    ),
    # Cost, trend and knowledge questions.
    (
        rf"{_B}combien (?:ca |cela )?(?:coute|couterait|couteraient|coutent|va couter|vont couter|"
        rf"me couterait|me coutera|coutera)(?:-(?:t-)?(?:il|elle|ils|elles))?{_E}",
        "how much will it cost",
    ),
    (rf"{_B}combien pour{_E}", "how much for"),
    (rf"{_B}quel (?:serait |sera |est )?(?:le )?(?:cout|prix)(?: total)?{_E}", "what is the cost"),
    (rf"{_B}cout total{_E}", "total cost"),
    (rf"{_B}(?:bon|meilleur) moment pour (?:acheter|louer|reserver){_E}", "good time to buy"),
    (rf"{_B}(?:dois-je|devrais-je|faut-il|vaut-il mieux) attendre{_E}", "should i wait"),
    (rf"{_B}(?:attendre){_E}", "wait"),
    (
        rf"{_B}(?:baisser|baisse|baissent|baissera|baisseront|diminuer|diminuent|chuter|chutent){_E}",
        "go down",
    ),
    (rf"{_B}(?:monter|montent|augmenter|augmentent|augmentera|augmenteront|grimper|grimpent){_E}", "go up"),
    (rf"{_B}(?:va|vont|vais) (?=go\b)", "will "),
    (rf"{_B}(?:le |les )?prix{_E}", "prices"),
    (
        rf"{_B}(?:qu'est-ce que c'est|qu'est-ce que|qu'est-ce qu'|qu'est ce que|c'est quoi|que signifie|"
        rf"que veut dire|que represente){_E}",
        "what is",
    ),
    (rf"{_B}comment (?:fonctionne|marche|fonctionnent){_E}", "how does"),
    (rf"{_B}pourquoi{_E}", "why"),
    (rf"{_B}(?:explique|expliquez|explique-moi|expliquez-moi){_E}", "explain"),
    (rf"{_B}(?:est-ce que|est ce que){_E}", "does"),
    (
        rf"{_B}(?:ca vaut le coup|vaut-il le coup|ca vaut la peine|vaut-il la peine|est-ce rentable){_E}",
        "is it worth",
    ),
    (rf"{_B}(?:fonctionne|tourne|tournent|fonctionnent)(?= sur){_E}", "runs"),
    (rf"{_B}(?:supporte|prend en charge|gere){_E}", "supports"),
    (rf"{_B}(?:difference entre|differences entre){_E}", "difference between"),
    (rf"{_B}(?:comparer|compare|comparez|comparaison){_E}", "compare"),
    (
        rf"{_B}(?:lequel|laquelle|quel|quelle) est (?:le |la )?(?:meilleure?|plus rapide|moins chere?){_E}",
        "which is better",
    ),
    (rf"{_B}(?:lequel|laquelle) (?:choisir|prendre){_E}", "which should i pick"),
    (rf"{_B}(?:ai-je besoin|me faut-il){_E}", "do i need"),
    # Search words.
    (
        rf"{_B}(?:trouve|trouvez|trouve-moi|trouvez-moi|cherche|cherchez|montre|montrez|montre-moi|montrez-moi|"
        rf"donne-moi|donnez-moi|liste|propose-moi|proposez-moi){_E}",
        "find",
    ),
    (
        rf"{_B}(?:j'ai besoin d'|j'ai besoin de|il me faut|il nous faut|nous avons besoin de|je veux|je voudrais|"
        rf"je cherche)\s*(?:une?|des)?{_E}",
        "need",
    ),
    (rf"{_B}(?:les? |la )?moins chere?s?(?: possible)?{_E}", "cheapest"),
    (rf"{_B}(?:plus abordable|meilleur marche|moins couteux){_E}", "cheaper"),
    (rf"{_B}(?:reserve|reservez|reserver|loue|louez)(?:-le|-la)?{_E}", "book"),
    # Workloads.
    (
        rf"{_B}(?:affiner|affinage|fine-tuner|fine-tuning|fine tuning|ajustement fin|reglage fin|peaufiner){_E}",
        "fine-tune",
    ),
    (rf"{_B}(?:entrainer|entrainement|pre-entrainer|pre-entrainement){_E}", "train"),
    (rf"{_B}(?:inference){_E}", "inference"),
    (rf"{_B}(?:24h/24|24 ?h ?/ ?24|24/7|en continu|jour et nuit|en permanence|7j/7){_E}", "24/7"),
    (rf"{_B}(?:heberger|hebergement|deployer|deploiement|servir){_E}", "host"),
    (rf"{_B}(?:transcrire|transcription|transcris){_E}", "transcribe"),
    (
        rf"{_B}(\d+(?:\.\d+)?) heures d'(?:audio|enregistrement|enregistrements)(?: audio)?{_E}",
        r"\1 hours of audio",
    ),
    (rf"{_B}(\d+(?:\.\d+)?) heures de (?:son|parole|podcast|podcasts|audio){_E}", r"\1 hours of audio"),
    (rf"{_B}(?:generation d'images|generer des images|generation d'image){_E}", "image generation"),
    (rf"{_B}(?:modele|modeles){_E}", "model"),
    # Rates and ceilings.
    (rf"{_B}(?:par heure|de l'heure|l'heure|/ ?heure|a l'heure){_E}", "per hour"),
    (rf"{_B}par (?:gpu|carte){_E}", "per gpu"),
    (rf"{_B}(?:par jour|par journee){_E}", "per day"),
    (rf"{_B}par mois{_E}", "per month"),
    (
        rf"{_B}(?:moins de|en dessous de|au-dessous de|sous|inferieur a|maximum|max|pas plus de|au plus|"
        rf"au maximum|jusqu'a)(?=\s*[\d$])",
        "under",
    ),
    (rf"{_B}(?:au moins|minimum|au minimum){_E}", "at least"),
    (rf"{_B}plus de{_E}", "more than"),
    (rf"{_B}(?:dollars?|euros?|eur|usd){_E}", "dollars"),
    (rf"{_B}(?:a la demande|on-demand|on demand){_E}", "on-demand"),
    (rf"{_B}(?:interruptibles?|preemptibles?){_E}", "interruptible"),
    (rf"{_B}(?:pas de spot|sans spot){_E}", "no spot"),
    (rf"{_B}(?:cartes graphiques|carte graphique|cartes|gpus){_E}", "gpus"),
    (rf"{_B}(?:memoire|vram){_E}", "memory"),
    (rf"{_B}(?:une paire de|deux)(?= (?:gpu|carte|[a-z]+\d))", "a pair of"),
    (rf"{_B}(?:seule?|unique){_E}", "single"),
    (rf"{_B}noeuds?{_E}", "nodes"),
    # Greetings.
    (r"^\s*(?:bonjour|salut|bonsoir|coucou)\b", "hello"),
    (rf"{_B}(?:merci|merci beaucoup){_E}", "thanks"),
    # Small words last.
    (
        rf"{_B}(?:pendant|durant|pour une duree de|sur une duree de)(?=\s+(?:\d|une?\b|deux|trois|quatre|cinq|six|sept|"
        rf"huit|dix|quinze|trente))",
        "for",
    ),
    (
        rf"{_B}sur(?=\s+(?:\d|une?\b|deux|trois|quatre|cinq|six|sept|huit|dix|quinze|trente)\s+(?:heures?|jours?|"
        rf"semaines?|mois)\b)",
        "for",
    ),
    (rf"{_B}(?:pour){_E}", "for"),
    (rf"{_B}(?:en|au|aux|dans le|dans la|dans les|dans){_E}", "in"),
    (rf"{_B}(?:chez|sur){_E}", "on"),
    (rf"{_B}ou{_E}", "or"),
    (rf"{_B}et{_E}", "and"),
    (rf"{_B}avec{_E}", "with"),
    (rf"{_B}sans{_E}", "without"),
    (rf"{_B}(?:pas de|ne|pas){_E}", "no"),
    (rf"{_B}(?:est|sont){_E}", "is"),
    (rf"{_B}(?:va|vont){_E}", "will"),
    (rf"{_B}(?:maintenant){_E}", "now"),
]

NUMBERS: dict[str, int] = {
    "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6, "sept": 7, "huit": 8, "neuf": 9, "dix": 10,
    "onze": 11, "douze": 12, "quinze": 15, "seize": 16, "vingt": 20, "trente": 30, "quarante": 40,
    "cinquante": 50, "cent": 100,
}  # fmt: skip

UNITS: dict[str, str] = {
    "heure": "hour", "heures": "hours", "jour": "day", "jours": "days", "journee": "day",
    "journees": "days", "semaine": "week", "semaines": "weeks", "mois": "months", "an": "year",
    "ans": "years", "annee": "year", "annees": "years", "minutes": "minutes",
}  # fmt: skip

PLACES: dict[str, str] = {
    "asie": "asia", "amerique du nord": "north america", "amerique du sud": "south america",
    "afrique": "africa", "oceanie": "oceania", "moyen-orient": "middle east", "moyen orient": "middle east",
    "etats-unis": "united states", "etats unis": "united states", "amerique": "united states",
}  # fmt: skip

VOCABULARY = Vocabulary(
    code="fr",
    markers=frozenset(
        [
            "le",
            "la",
            "les",
            "des",
            "une",
            "un",
            "et",
            "est",
            "pour",
            "avec",
            "pas",
            "je",
            "combien",
            "coute",
            "couterait",
            "quel",
            "quelle",
            "quels",
            "sous",
            "moins",
            "heure",
            "heures",
            "jour",
            "jours",
            "semaine",
            "semaines",
            "mois",
            "ou",
            "besoin",
            "cher",
            "chere",
            "cherche",
            "trouve",
            "du",
            "au",
            "aux",
            "ca",
            "c'est",
            "va",
            "vont",
            "baisser",
            "monter",
            "oublie",
            "prix",
            "pendant",
            "donne",
            "montre",
            "moi",
            "il",
            "me",
            "faut",
            "dois",
            "attendre",
            "sur",
            "chez",
            "entre",
            "quoi",
            "j'ai",
            "qu'est-ce",
            "bonjour",
            "merci",
            "allemagne",
            "europe",
            "france",
            "combien",
            "louer",
            "acheter",
            "moment",
            "deux",
            "trois",
            "quatre",
            "cinq",
            "huit",
            "dix",
            "douze",
            "nous",
            "vous",
            "sont",
            "peu",
            "plus",
            "tres",
            "carte",
            "cartes",
            "memoire",
            "affiner",
            "entrainer",
            "heberger",
            "tourne",
            "fonctionne",
            "lequel",
            "laquelle",
            "choisir",
            "mieux",
        ]
    ),
    numbers=NUMBERS,
    articles=frozenset({"un", "une"}),
    units=UNITS,
    phrases=PHRASES,
    places=PLACES,
    letters={
        "è": 1.0,
        "ê": 1.0,
        "à": 0.5,
        "ç": 1.5,
        "ù": 1.0,
        "â": 1.0,
        "î": 1.0,
        "ô": 1.0,
        "û": 1.0,
        "œ": 2.0,
    },
)
