"""Artist-credit and title-variant parsing over real-world credits (MusicBrainz style, beets feat tokens)."""

from __future__ import annotations

import pytest

from analyzer.credits import MAYBE_SAME_RECORDING, CreditedArtist, parse_artist_credit, split_title_variant

P, F, R, PR = "primary", "featuring", "remixer", "producer"
ID1 = "a74b1b7f-71a5-4011-9441-d0b5e4122711"
ID2 = "65f4f0c5-ef9e-490c-aee3-909e7ae6b2ab"

# (artist string, ARTISTS tag, title, expected [(name, role), ...])
CREDITS: list[tuple[str, tuple[str, ...], str, list[tuple[str, str]]]] = [
    # Band names are never split without multi-valued evidence.
    ("Simon & Garfunkel", (), "", [("Simon & Garfunkel", P)]),
    ("Earth, Wind & Fire", (), "", [("Earth, Wind & Fire", P)]),
    ("Crosby, Stills, Nash & Young", (), "", [("Crosby, Stills, Nash & Young", P)]),
    ("Florence + the Machine", (), "", [("Florence + the Machine", P)]),
    ("Echo & the Bunnymen", (), "", [("Echo & the Bunnymen", P)]),
    ("AC/DC", (), "", [("AC/DC", P)]),
    ("Lil Nas X", (), "", [("Lil Nas X", P)]),
    ("Malcolm X", (), "", [("Malcolm X", P)]),
    ("The xx", (), "", [("The xx", P)]),
    ("Daft Punk", (), "", [("Daft Punk", P)]),
    ("Earth, Wind & Fire", ("Earth, Wind & Fire",), "", [("Earth, Wind & Fire", P)]),
    # feat / ft / featuring, in all their spellings.
    ("Lil Nas X feat. Billy Ray Cyrus", (), "", [("Lil Nas X", P), ("Billy Ray Cyrus", F)]),
    ("Drake ft. Rihanna", (), "", [("Drake", P), ("Rihanna", F)]),
    ("Drake ft Rihanna", (), "", [("Drake", P), ("Rihanna", F)]),
    ("Eminem Featuring Rihanna", (), "", [("Eminem", P), ("Rihanna", F)]),
    ("Eminem (feat. Rihanna)", (), "", [("Eminem", P), ("Rihanna", F)]),
    ("Eminem [Feat. Rihanna]", (), "", [("Eminem", P), ("Rihanna", F)]),
    (
        "Madonna feat. Justin Timberlake & Timbaland",
        (),
        "",
        [("Madonna", P), ("Justin Timberlake & Timbaland", F)],
    ),
    ("Simon & Garfunkel feat. Art", (), "", [("Simon & Garfunkel", P), ("Art", F)]),
    # vs. / x / with join primary artists.
    ("Tiësto vs. Diplo", (), "", [("Tiësto", P), ("Diplo", P)]),
    (
        "Armin van Buuren vs Sophie Ellis-Bextor",
        (),
        "",
        [("Armin van Buuren", P), ("Sophie Ellis-Bextor", P)],
    ),
    ("Skrillex x Diplo", (), "", [("Skrillex", P), ("Diplo", P)]),
    ("Rosalía × J Balvin", (), "", [("Rosalía", P), ("J Balvin", P)]),
    (
        "Ella Fitzgerald with the Chick Webb Orchestra",
        (),
        "",
        [("Ella Fitzgerald", P), ("Chick Webb Orchestra", P)],
    ),
    ("Skrillex x Diplo feat. Justin Bieber", (), "", [("Skrillex", P), ("Diplo", P), ("Justin Bieber", F)]),
    # Multi-valued ARTISTS wins; the string only tells the roles.
    (
        "Madonna feat. Justin Timberlake & Timbaland",
        ("Madonna", "Justin Timberlake", "Timbaland"),
        "",
        [("Madonna", P), ("Justin Timberlake", F), ("Timbaland", F)],
    ),
    ("Jay-Z & Kanye West", ("Jay-Z", "Kanye West"), "", [("Jay-Z", P), ("Kanye West", P)]),
    ("Beyoncé feat. JAY‐Z", ("Beyoncé", "JAY‐Z"), "", [("Beyoncé", P), ("JAY‐Z", F)]),
    ("", ("Daft Punk", "Pharrell Williams"), "", [("Daft Punk", P), ("Pharrell Williams", P)]),
    # Credits found in titles.
    ("Daft Punk", (), "Get Lucky (feat. Pharrell Williams)", [("Daft Punk", P), ("Pharrell Williams", F)]),
    ("Daft Punk", (), "Get Lucky feat. Pharrell Williams", [("Daft Punk", P), ("Pharrell Williams", F)]),
    ("Lorde", (), "Royals (Jack White Remix)", [("Lorde", P), ("Jack White", R)]),
    ("Avicii", (), "Levels - Skrillex Remix", [("Avicii", P), ("Skrillex", R)]),
    (
        "Calvin Harris",
        (),
        "Summer (R3hab & Ummet Ozcan Remix)",
        [("Calvin Harris", P), ("R3hab & Ummet Ozcan", R)],
    ),
    ("Gotye", (), "Somebody [Tiësto Extended Remix]", [("Gotye", P), ("Tiësto", R)]),
    ("Lady Gaga", (), "Bad Romance (Remix by Starsmith)", [("Lady Gaga", P), ("Starsmith", R)]),
    ("Moby", (), "Porcelain (Futureshock's Rework)", [("Moby", P), ("Futureshock", R)]),
    ("Calvin Harris", (), "Summer (Extended Mix)", [("Calvin Harris", P)]),
    ("Calvin Harris", (), "Summer (Extended Remix)", [("Calvin Harris", P)]),
    ("Calvin Harris", (), "Summer (2014 Remix)", [("Calvin Harris", P)]),
    (
        "Kendrick Lamar",
        (),
        "HUMBLE. (prod. by Mike WiLL Made-It)",
        [("Kendrick Lamar", P), ("Mike WiLL Made-It", PR)],
    ),
    (
        "Drake ft. Rihanna",
        (),
        "Take Care (feat. Rihanna) [Jamie xx Remix]",
        [("Drake", P), ("Rihanna", F), ("Jamie xx", R)],
    ),
]


@pytest.mark.parametrize(
    ("artist", "artists", "title", "expected"), CREDITS, ids=[row[0] or row[2] for row in CREDITS]
)
def test_parse_artist_credit(
    artist: str, artists: tuple[str, ...], title: str, expected: list[tuple[str, str]]
) -> None:
    credits = parse_artist_credit(artist, artists, title)
    assert [(credit.name, credit.role) for credit in credits] == expected
    assert [credit.position for credit in credits] == list(range(len(credits)))


@pytest.mark.parametrize(
    "artist",
    [
        "Madonna feat. Justin Timberlake & Timbaland",
        "Eminem (feat. Rihanna)",
        "Tiësto vs. Diplo",
        "Skrillex x Diplo feat. Justin Bieber",
        "Ella Fitzgerald with the Chick Webb Orchestra",
        "Simon & Garfunkel",
    ],
)
def test_join_phrases_rebuild_the_credit_string(artist: str) -> None:
    # MusicBrainz: the display string is the concatenation of name + join phrase.
    assert "".join(c.name + c.join_phrase for c in parse_artist_credit(artist)) == artist


def test_join_phrases_from_the_string_when_artists_tag_is_present() -> None:
    credits = parse_artist_credit(
        "Madonna feat. Justin Timberlake & Timbaland", ["Madonna", "Justin Timberlake", "Timbaland"]
    )
    assert [c.join_phrase for c in credits] == [" feat. ", " & ", ""]


def test_one_artist_id_keeps_the_whole_string_as_one_artist() -> None:
    assert parse_artist_credit("Kid vs. Cat", artist_ids=[ID1]) == [
        CreditedArtist("Kid vs. Cat", "primary", 0, "")
    ]


def test_artist_ids_count_allows_a_split_on_ampersand() -> None:
    credits = parse_artist_credit("Jay-Z & Kanye West", artist_ids=[ID1, ID2])
    assert [(c.name, c.join_phrase) for c in credits] == [("Jay-Z", " & "), ("Kanye West", "")]
    # ...but not when no split yields as many names as ids.
    assert [c.name for c in parse_artist_credit("Simon & Garfunkel", artist_ids=[ID1, ID2, ID1])] == [
        "Simon & Garfunkel"
    ]


def test_remixer_tag_is_added_once() -> None:
    credits = parse_artist_credit(
        "Lorde", title="Royals (Jack White Remix)", remixers=["Jack White", "Other"]
    )
    assert [(c.name, c.role) for c in credits] == [("Lorde", P), ("Jack White", R), ("Other", R)]


def test_empty_credit() -> None:
    assert parse_artist_credit("") == []


TITLES: list[tuple[str, str, str | None, str | None]] = [
    ("Yesterday", "Yesterday", None, None),
    ("Yesterday (Remastered 2009)", "Yesterday", "Remastered 2009", "remaster"),
    ("Here Comes the Sun - 2019 Mix", "Here Comes the Sun", "2019 Mix", "mix"),
    ("Hey Jude - Remastered 2015", "Hey Jude", "Remastered 2015", "remaster"),
    ("Bohemian Rhapsody - Live Aid", "Bohemian Rhapsody", "Live Aid", "live"),
    ("Hotel California (Live at the Forum, 1976)", "Hotel California", "Live at the Forum, 1976", "live"),
    ("Song (Live) [2011 Remaster]", "Song", "Live; 2011 Remaster", "live"),
    ("Royals (Jack White Remix)", "Royals", "Jack White Remix", "remix"),
    ("Take Care (feat. Rihanna) [Jamie xx Remix]", "Take Care", "Jamie xx Remix", "remix"),
    ("Get Lucky (feat. Pharrell Williams)", "Get Lucky", None, None),
    ("Get Lucky feat. Pharrell Williams", "Get Lucky", None, None),
    ("Wake Me Up - Radio Edit", "Wake Me Up", "Radio Edit", "radio_edit"),
    ("Wonderwall (Radio Version)", "Wonderwall", "Radio Version", "radio_edit"),
    ("Layla (Acoustic)", "Layla", "Acoustic", "acoustic"),
    ("About a Girl (MTV Unplugged)", "About a Girl", "MTV Unplugged", "acoustic"),
    ("Creep (Acoustic Version)", "Creep", "Acoustic Version", "acoustic"),
    ("Teen Spirit (Demo)", "Teen Spirit", "Demo", "demo"),
    ("Breathe (Instrumental)", "Breathe", "Instrumental", "instrumental"),
    ("Strobe (Single Edit)", "Strobe", "Single Edit", "edit"),
    ("Opus (Original Mix)", "Opus", "Original Mix", "mix"),
    ("Song (Album Version)", "Song", "Album Version", "version"),
    ("Revolution (Mono)", "Revolution", "Mono", "version"),
    ("Shine On You Crazy Diamond (Parts I-V)", "Shine On You Crazy Diamond (Parts I-V)", None, None),
    ("Song (Part 2) [Remastered]", "Song (Part 2)", "Remastered", "remaster"),
    ("Rock & Roll - Part 2", "Rock & Roll - Part 2", None, None),
    ("(Intro)", "(Intro)", None, None),
    ("Alive", "Alive", None, None),
]


@pytest.mark.parametrize(("title", "base", "variant", "kind"), TITLES, ids=[row[0] for row in TITLES])
def test_split_title_variant(title: str, base: str, variant: str | None, kind: str | None) -> None:
    assert split_title_variant(title) == (base, variant, kind)


def test_which_variants_may_be_the_studio_recording() -> None:
    assert {"remaster", "radio_edit"} <= MAYBE_SAME_RECORDING
    assert not {"live", "remix", "acoustic", "demo", "instrumental"} & MAYBE_SAME_RECORDING
