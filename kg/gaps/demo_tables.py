"""The tables behind ``glamkg demo`` (kg.gaps.demo): how skewed, which types, how labelled (docs/demo.md).

Plain data, kept apart from the generator so each stays small; kg.gaps.demo re-exports every name.
"""

from __future__ import annotations

# Skew: institutions per country ~ sqrt(population) x factor of its UN M49 sub-region (roughly the skew of
# Wikidata's GLAM items: many in Europe and North America, few elsewhere); partnership propensity per
# sub-region likewise (docs/demo.md).
INSTITUTION_FACTOR = {
    "Northern Europe": 14.0,
    "Western Europe": 14.0,
    "Southern Europe": 10.0,
    "Eastern Europe": 6.0,
    "Northern America": 9.0,
    "Australia and New Zealand": 7.0,
    "Latin America and the Caribbean": 1.6,
    "Eastern Asia": 1.2,
    "Western Asia": 0.8,
    "South-eastern Asia": 0.5,
    "Southern Asia": 0.35,
    "Central Asia": 0.4,
    "Northern Africa": 0.4,
    "Sub-Saharan Africa": 0.3,
    "Melanesia": 0.4,
    "Micronesia": 0.4,
    "Polynesia": 0.4,
}
PARTNERED_SHARE = {
    "Northern Europe": 0.22,
    "Western Europe": 0.24,
    "Southern Europe": 0.14,
    "Eastern Europe": 0.12,
    "Northern America": 0.18,
    "Australia and New Zealand": 0.16,
    "Latin America and the Caribbean": 0.07,
    "Eastern Asia": 0.04,
    "Western Asia": 0.04,
    "South-eastern Asia": 0.05,
    "Southern Asia": 0.04,
    "Central Asia": 0.03,
    "Northern Africa": 0.03,
    "Sub-Saharan Africa": 0.05,
    "Melanesia": 0.03,
    "Micronesia": 0.03,
    "Polynesia": 0.03,
}
INSTITUTION_TYPES = {  # class key -> relative frequency
    "museum": 10,
    "art_museum": 5,
    "history_museum": 5,
    "natural_history_museum": 2,
    "science_museum": 2,
    "library": 8,
    "national_library": 0.3,
    "public_library": 10,
    "academic_library": 5,
    "archives": 6,
    "national_archives": 0.3,
    "art_gallery": 4,
    "botanical_garden": 1,
    "zoo": 0.8,
}
PARTNERSHIP_TYPES = {
    "glam_partnership": 35,
    "edit_a_thon": 25,
    "content_donation": 15,
    "data_donation": 12,
    "wikimedian_in_residence_programme": 13,
}
CONTRIBUTION_TYPES = {"media_upload": 40, "article_writing": 30, "wikidata_item_creation": 20, "metadata_donation": 10}
PARTNER_TYPES = {"wikimedia_user_group": 40, "university": 25, "nonprofit_organization": 20, "wikimedia_chapter": 15}
# Type names by language for labels ({} = the place name): a few languages, the rest fall back to English.
NAMES: dict[str, dict[str, str]] = {
    "en": {
        "museum": "{} Museum",
        "art_museum": "{} Art Museum",
        "history_museum": "{} History Museum",
        "natural_history_museum": "{} Natural History Museum",
        "science_museum": "{} Science Museum",
        "library": "{} Library",
        "national_library": "National Library of {}",
        "public_library": "{} Public Library",
        "academic_library": "{} University Library",
        "archives": "{} Archives",
        "national_archives": "National Archives of {}",
        "art_gallery": "{} Gallery",
        "botanical_garden": "{} Botanical Garden",
        "zoo": "{} Zoo",
    },
    "fr": {
        "museum": "Musée de {}",
        "art_museum": "Musée des beaux-arts de {}",
        "library": "Bibliothèque de {}",
        "public_library": "Médiathèque de {}",
        "archives": "Archives de {}",
        "art_gallery": "Galerie de {}",
        "zoo": "Zoo de {}",
        "botanical_garden": "Jardin botanique de {}",
        "history_museum": "Musée d'histoire de {}",
    },
    "es": {
        "museum": "Museo de {}",
        "art_museum": "Museo de Bellas Artes de {}",
        "library": "Biblioteca de {}",
        "public_library": "Biblioteca Pública de {}",
        "archives": "Archivo de {}",
        "art_gallery": "Galería de {}",
        "zoo": "Zoológico de {}",
        "botanical_garden": "Jardín Botánico de {}",
        "history_museum": "Museo de Historia de {}",
    },
    "de": {
        "museum": "Museum {}",
        "art_museum": "Kunstmuseum {}",
        "library": "Bibliothek {}",
        "public_library": "Stadtbibliothek {}",
        "archives": "Stadtarchiv {}",
        "art_gallery": "Galerie {}",
        "zoo": "Zoo {}",
        "botanical_garden": "Botanischer Garten {}",
        "history_museum": "Historisches Museum {}",
    },
    "nl": {
        "museum": "Museum {}",
        "art_museum": "Kunstmuseum {}",
        "library": "Bibliotheek {}",
        "public_library": "Openbare Bibliotheek {}",
        "archives": "Archief {}",
        "art_gallery": "Galerie {}",
        "zoo": "Dierenpark {}",
        "history_museum": "Historisch Museum {}",
    },
    "pt": {
        "museum": "Museu de {}",
        "library": "Biblioteca de {}",
        "archives": "Arquivo de {}",
        "public_library": "Biblioteca Municipal de {}",
        "art_museum": "Museu de Arte de {}",
    },
    "it": {
        "museum": "Museo di {}",
        "library": "Biblioteca di {}",
        "archives": "Archivio di {}",
        "public_library": "Biblioteca civica di {}",
        "art_museum": "Pinacoteca di {}",
    },
    "sv": {
        "museum": "{} museum",
        "library": "{} bibliotek",
        "public_library": "{} stadsbibliotek",
        "archives": "{} arkiv",
    },
    "pl": {"museum": "Muzeum w {}", "library": "Biblioteka w {}", "archives": "Archiwum w {}"},
    "ru": {"museum": "Музей {}", "library": "Библиотека {}", "archives": "Архив {}"},
}
