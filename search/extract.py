"""Pure text functions for ingest: paragraphs and boilerplate. Imports neither Django nor Whoosh."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TypeVar

from search import ner

T = TypeVar("T")

_BLANK_LINE = re.compile(r"\n[ \t\u00a0]*\n")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]+")

# Each pattern names the reason stored with the paragraph. They match whole short paragraphs or
# unmistakable phrases, so that ordinary reporting about newsletters or ads is not caught.
_BOILERPLATE_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("advertisement", re.compile(r"^\W*(advertisement|advertising|sponsored( content)?|ad)\W*$", re.I)),
    (
        "copyright",
        re.compile(
            r"^\W*(copyright|©|\(c\))\s.*\b(\d{4}|all rights reserved)|all rights reserved\.?\s*$"
            r"|may not be (re)?published, broadcast, rewritten,? or redistributed",
            re.I,
        ),
    ),
    (
        "newsletter prompt",
        re.compile(
            r"^\W*(sign up|subscribe) (now |today )?(for|to) (our|the|a) .{0,60}newsletter"
            r"|^(?=(\S+\s+){0,29}\S+\s*$).*\b(sign up|subscribe) (now |today )?(for|to) (our|the) .{0,60}newsletter"
            r"|^\W*(get|receive) (our|the) .{0,40}newsletter|^newsletter\b"
            r"|^(?=(\S+\s+){0,9}\S+\s*$)\W*(sign up|subscribe)( now| today| here)? (for|to)\b.*\bnewsletters?\b"
            r"|\bmanage newsletters\s*$|\bdelivered (daily |weekly )?to your inbox\b.{0,40}$"
            # a named newsletter's box: "POLITICO Pulse newsletter Get the latest on … Email Sign Up"
            r"|^(?=(\S+\s+){0,59}\S+\s*$).*\bnewsletters?\b.*(\bemail sign up\b|\byou can unsubscribe at any time\b)"
            r"|\bdelivered (straight |right )?to your inbox\W+by signing up\b",
            re.I,
        ),
    ),
    (
        "follow-us prompt",
        re.compile(
            r"^\W*(follow|like) (us|me) on (twitter|facebook|instagram|x\b)|^\W*click here\b"
            # short prompts: "- Follow the Ticker on Twitter: @PoliticalTicker", "Join us at Facebook/CNNOpinion"
            r"|^(?=(\S+\s+){0,8}\S+\s*$)\W*(follow|join) [\w .’'-]{1,30} (on|at) (twitter|facebook|instagram|flipboard)\b"
            r"|^(?=(\S+\s+){0,8}\S+\s*$)\W*read [\w’'-]+ flipboard magazine"
            r"|^\W*follow @\w{1,30}\W*$",  # "Follow @politico"
            re.I,
        ),
    ),
    ("share buttons", re.compile(r"^\W*(share|share this( article| story)?|tweet|email|print|comments?)\W*$", re.I)),
    (
        "reader appeal",
        re.compile(
            r"\bjoin (our|the) .{0,40}community\b|\balready a (member|subscriber)\b|\bsign in to stop seeing"
            r"|\bconsider (joining|supporting|subscribing|donating|making a contribution)"
            r"|\bsupport (our|independent|quality) journalism"
            r"|\byou('ve| have) read \w+ .{0,40}articles\b"
            r"|\b(supporting|subscribing to) (the|our) .{0,40} (isn[’']t|is not) a transaction",
            re.I,
        ),
    ),
    # Weaker appeal phrases that ordinary reporting also uses; only in short paragraphs.
    (
        "reader appeal",
        re.compile(
            r"^(?=(\S+\s+){0,30}\S+\s*$).*(\byour support (is|helps|makes)\b|\b(become|becoming) a (member|subscriber|supporter)\b"
            r"|\bdonate (now|today)\b|\bsubscribe (now|today)\b)",
            re.I,
        ),
    ),
    ("byline", re.compile(r"^\W*[Bb][Yy] [A-Z][\w.’'-]+( [A-Z][\w.’'-]+){0,3}( and [A-Z][\w.’'-]+( [A-Z][\w.’'-]+){0,3})?\W*$")),
    # "By Stephen McDonell, BBC News, Hong Kong": a byline with the outlet and the place
    ("byline", re.compile(r"^\W*By [A-Z][\w.’'-]+( [A-Z][\w.’'-]+){0,3}(, [A-Z][\w.’'&-]*( [A-Z][\w.’'&-]*){0,4}){1,2}\s*$")),
    (
        "byline",
        re.compile(r"^(opinion contributor|contributing (writer|columnist)|columnist|staff writer|guest (writer|columnist))$", re.I),
    ),
    # Credits are case-sensitive: agencies write them in capitals, ordinary sentences do not.
    (
        "photo caption",
        re.compile(
            r"^(?i:enlarge this image|image copyright|image caption|file photo\b|photo:)"
            r"|REUTERS/[A-Z][\w .'’-]+(/File Photo)?\s*$|\((AP|AFP|Getty|Reuters)\b[^()]*\)\s*$"
            r"|\([^()]{2,60}/(Reuters|AP|AFP|Getty Images|Bloomberg)\)\s*$|\bPhotograph: [^.]*\.?\s*$"
            r"|\s\|\s(Getty|AP|AFP|Reuters)\b|\s/\s(AP|AFP|Reuters|Getty Images)\s*$|\(Photo: [^)]*\)"
            r"|^[A-Z][\w.'’-]+( [A-Z][\w.'’-]+){0,3} / (Reuters|AP|AFP|Getty Images|Bloomberg)\b"
            r"|\[[^\]]{2,60}/[^\]]{2,60}\]\s*$|^\((?i:screenshot)[^)]*\)$|^(?i:(enlarge this image )?toggle caption)\b"
            r"|\bHide Caption \d+ of \d+\b|^Photos: |\s\|\s(iStock|Shutterstock)\b|\s\|\s[^|]{2,40}/POLITICO\b"
            r"|^(?i:media playback is unsupported on your device|media caption)\b|\([^()]{2,80}\bvia (Reuters|AP|AFP|Getty Images)\)\s*$"
            # a caption that opens with its credit: "Ann Hermes/The Christian Science Monitor Dorje Lama loads bricks …"
            r"|^(?=(\S+\s+){0,59}\S+\s*$)[A-Z][\w.'’-]+( [A-Z][\w.'’-]+){0,3}"
            r"/(AP|AFP|Reuters|REUTERS|Getty Images|Staff|The [A-Z][\w ]{2,40}?|THE [A-Z ]{2,40}?)"
            r"(/(File|FILE|Getty Images))* [A-Z(]"
        ),
    ),
    (
        "photo credit",
        re.compile(
            r"^(?=(\S+\s+){0,7}\S+\s*$)[^.!?]*(/|\bvia )\s?[^.!?]*"
            r"\b(Photo|Images|AP|AFP|Reuters|NPR|Getty|Bloomberg|Redux)(,? FILE|/File)?\s*$"
            r"|^(?i:photo|image|photos)$|^(AP|AFP|Reuters|Getty Images|Bloomberg)( Photo)?/[A-Z][\w .'’-]+$"
            r"|^(Getty Images|iStock|Shutterstock|AP|AFP|Reuters)$|^Courtesy (of )?[A-Z][\w.'’-]*( [A-Z][\w.'’-]*){0,4}$"
        ),
    ),
    # A caption widget that prints its credit twice: "Photo by Alex Wong/Getty Images Photo by Alex Wong/Getty Images".
    ("photo credit", re.compile(r"^(?=(\S+\s+){0,19}\S+$)(?P<once>.{8,120}?) (?P=once)$")),
    # Links to other stories pasted as "LABEL:Headline", the colon glued to a capital (USA TODAY's pages):
    # "SNOWDEN UPDATE:Russia's protection is latest affront", "HOUSE :Rejects plan to kill NSA data collection".
    # A colon inside parentheses is a ticker ("(NASDAQ:NCLH)"), not a link.
    ("related link", re.compile(r"^(?=(\S+\s+){0,30}\S+\s*$)[^:(]*[A-Za-z.?!)] ?:[A-Z]")),
    (
        "related link",
        re.compile(
            r"^(more|related|read more|also read|see also|recommended|watch)\s*:|\bread more\s*$|^play video\b|^quick guide\b"
            r"|^slideshow \(\d+ (images|photos)\)|^for a graphic on\b|^here\.?$|\bcopy this code to your website\b|^embed\b"
            r"|^(just watched|must watch)\b|\breplay more videos\b|^read or share this story\b|^click for more from\b"
            r"|^see also\b|^more on this\b"
            r"|^\(\s*(photos?|video|watch|read|related|more|graphics?|factbox|interactive|also on [\w ]{2,30})\s*:.*\)$"
            # a roundup's links to each story: "Full story", "Read the full story and listen to the related podcast"
            r"|^(read )?(the )?full story\W*$|^read the full story\b.{0,50}$"
            r"|^now playing:|^- (check out|watch|read|listen to)\b",
            re.I,
        ),
    ),
    (
        "credit line",
        re.compile(
            r"^(?=(\S+\s+){0,40}\S+\s*$).*\bcontributed( to)?( this| the)?( report| article| story| reporting)?\.?\s*$"
            r"|^additional reporting by\b|^\W*reporting by\b|^write to \S.*@|^send letters to\b|^send (news )?tips to\b"
            r"|\b(this|the) (column|article|piece|op-ed) (originally|first) appeared (in|on)\b",
            re.I,
        ),
    ),
    # An agency's dateline credit: "Peoples reported from Palm Beach, Fla." (names and places capitalised).
    (
        "credit line",
        re.compile(
            r"^[A-Z][\w.’'-]+( [A-Z][\w.’'-]+){0,3}(,? and [A-Z][\w.’'-]+( [A-Z][\w.’'-]+){0,3})?"
            r" reported from [A-Z][^.!?:]{1,60}\.?$"
        ),
    ),
    (
        "app prompt",
        re.compile(
            r"\bdownload (the )?[\w ]{0,30}\bapp\b|\bget real-time updates\b|^click here (to|for) (get|download|the)"
            r"|^interested in [^?]{1,60}\?\s+add\b.{0,80}\bas an interest\b",  # ABC News
            re.I,
        ),
    ),
    (
        "share buttons",
        re.compile(
            r"^(play )?(facebook|twitter|pinterest|linkedin|reddit|whatsapp|email|print|share)"
            r"(\s+(facebook|twitter|pinterest|linkedin|reddit|whatsapp|email|print|share))*\s*$|^facebook twitter pinterest\b",
            re.I,
        ),
    ),
    (
        "page furniture",
        re.compile(
            r"^(?=(\S+\s+){0,7}\S+\s*$)(updated|last updated|first published)(\s*:|\s+(at|on)\b|\s+\d|\s*$"
            r"|\s+(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|mon|tue|wed|thu|fri|sat|sun)[a-z]*\b)"
            r"|^(?=(\S+\s+){0,9}\S+\s*$)(updated|last updated) (at|on) (on )?\w+\.? \d{1,2}\b.*\b(a\.m\.|p\.m\.|ET|EST|EDT|GMT)\s*$"
            r"|^[a-z-]+=[\"'](https?:)?//"  # an HTML attribute the scraper left: poster="http://…"
            r"|^x (youtube|twitter|instagram|facebook|vimeo) (video|post|tweet)$"  # an embed's placeholder
            r"|\blet us know about your experiences\b|\bhaveyoursay@|\bif you are willing to speak to an? (bbc )?journalist\b"
            r"|\bread [\w .’'-]{2,40}[’']s reports\W+more here\.?\s*$"  # Newsmax's columnist bios
            r"|^this article is more than \d+ \w+ old$|^[\W_]+$|\bcontinue reading the main story\b|^story continued below$"
            r"|\bsend (us )?(your )?(pictures|photos|videos)\b"
            r"|^\d+ (years?|months?|weeks?|days?|hours?|minutes?) ago$|^loading\W*$|^published in$"
            r"|^(analysis/opinion|analysis|opinion|commentary|editorial)\s*:?$"
            r"|\bthe (views|opinions) expressed in this (commentary|article|column|piece|op-ed) are (solely )?(his|hers|theirs|"
            r"(his|her|their) own|those of)\b|\bthis article is for (educational and )?informational purposes only\b"
            r"|\b(the )?(views|opinions) expressed by (the )?(authors?|writers?|columnists?|contributors?|guests?)"
            r" are (solely )?(their|his|her)\b"
            r"|\binformation contained in this article is for educational and informational purposes\b"
            r"|\bis available without charge to any eligible news publisher\b"
            r"|^for the most up-to-date news and information about the coronavirus\b",
            re.I,
        ),
    ),
)

_HIGHLIGHTS = re.compile(r"\bstory highlights\b", re.I)
_HIGHLIGHT_WORDS = 25
# A line that announces a promotion; the short paragraph after it is the promoted headline.
_PROMO_LEAD = re.compile(r"^(alert|editor[’']?s note|sponsored|related|recommended|more|trending)\W*$", re.I)
_PROMO_WORDS = 15
# A link that closes a section ("Full story") starts no list: the short line after it is the next heading.
_CLOSING_LINK = re.compile(r"^(read )?(the )?full story\b", re.I)
# Other stories' headlines pasted in capitals between paragraphs (as Fox News pages do).
_ALL_CAPS_MIN_WORDS = 5
# An author's bio closing an opinion piece: "Jane Doe teaches history at …".
_AUTHOR_BIO = re.compile(
    r"^(• |— )?([A-Z]+ (contributor|columnist) )?[A-Z][\w.’'-]+( [A-Z][\w.’'-]+){1,3} (is|was|teaches|writes|covers)\b"
    r"(?=.*\b(author|writer|professor|columnist|commentator|contributor|fellow|teaches|editor|journalist|reporter"
    r"|correspondent|academic|analyst|scholar|(?i:follow [\w .’'-]{2,40} on twitter|can be reached at))\b)"
)
_AUTHOR_BIO_WORDS = 60
_AUTHOR_BIO_TOP_WORDS = 25
_NAME_LINE = re.compile(r"^[A-Z][\w.’'-]+( [A-Z][\w.’'-]+){1,3}$")

# A reader appeal at the end of an article spans many paragraphs, most of them individually
# harmless ("Thank you,", a signature). Once an appeal starts in the second half of an article
# and at least this share of what follows is flagged, the whole tail is the appeal.
_TAIL_FLAGGED_SHARE = 0.3
_SHORT_LEAD_IN_WORDS = 7


@dataclass(frozen=True)
class ParagraphDraft:
    text: str
    boilerplate_reason: str = ""

    @property
    def is_boilerplate(self) -> bool:
        return bool(self.boilerplate_reason)


def normalize_text(text: str) -> str:
    """Unify newlines and collapse runs of spaces inside lines."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\ufeff", "")
    return "\n".join(_SPACES.sub(" ", line).strip() for line in text.split("\n")).strip()


def split_paragraphs(text: str) -> list[str]:
    """Blank-line separated blocks when the text has them, else one paragraph per line."""
    text = normalize_text(text)
    if not text:
        return []
    blocks = [" ".join(b.split("\n")) for b in _BLANK_LINE.split(text)] if _BLANK_LINE.search(text) else text.split("\n")
    return [block.strip() for block in blocks if block.strip()]


def _top_level_branches(source: str) -> list[str]:
    """The alternatives of a regular expression's outermost ``|``, as source text."""
    branches: list[str] = []
    depth, in_class, start, i = 0, False, 0, 0
    while i < len(source):
        char = source[i]
        if char == "\\":
            i += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
            i += 2 if source[i + 1 : i + 2] == "]" else 3 if source[i + 1 : i + 3] == "^]" else 1  # "[]…]" and "[^]…]"
            continue
        elif char in "()":
            depth += 1 if char == "(" else -1
        elif char == "|" and depth == 0:
            branches.append(source[start:i])
            start = i + 1
        i += 1
    return [*branches, source[start:]]


@dataclass(frozen=True)
class _Rule:
    """A boilerplate pattern taken apart so that a paragraph is read as little as possible, with the
    same answer as ``pattern.search`` (tested; tests/tools/classify_cost.py checks it on AllSides):

    - alternatives anchored at the start are tried once, with ``match`` (``^`` without MULTILINE
      only matches at 0; ``search`` tried them again at every position of the paragraph);
    - each other alternative that contains a literal run of text ("rights reserved") is searched
      only when that text occurs in the paragraph, which ``in`` finds many times faster than the
      regular expression engine can rule the alternative out;
    - the rest are searched as one expression.
    """

    reason: str
    anchored: re.Pattern[str] | None
    gated: tuple[tuple[str, re.Pattern[str]], ...]  # (text that must occur, alternative)
    anywhere: re.Pattern[str] | None
    folded: bool  # case-insensitive: the gates are compared with the casefolded paragraph

    @classmethod
    def of(cls, reason: str, pattern: re.Pattern[str]) -> _Rule:
        branches = _top_level_branches(pattern.pattern)
        folded = bool(pattern.flags & re.IGNORECASE)

        def joined(parts: list[str]) -> re.Pattern[str] | None:
            return re.compile("|".join(f"(?:{part})" for part in parts), pattern.flags) if parts else None

        unanchored = [b for b in branches if not b.startswith("^")]
        gates = {b: _required_text(b, pattern.flags) for b in unanchored}
        return cls(
            reason,
            joined([b for b in branches if b.startswith("^")]),
            tuple((gate.casefold() if folded else gate, re.compile(b, pattern.flags)) for b, gate in gates.items() if gate),
            joined([b for b, gate in gates.items() if not gate]),
            folded,
        )

    def matches(self, paragraph: str, folded: str | None) -> bool:
        """``folded``: the paragraph casefolded, or None when the gates cannot be trusted on it."""
        if self.anchored and self.anchored.match(paragraph):
            return True
        text = paragraph if not self.folded else folded
        if any((text is None or gate in text) and branch.search(paragraph) for gate, branch in self.gated):
            return True
        return bool(self.anywhere and self.anywhere.search(paragraph))


def _required_text(branch: str, flags: int) -> str:
    """The longest run of plain ASCII characters that every match of ``branch`` contains, or ''.

    Only the branch's own sequence counts: characters inside groups, repeats or lookarounds may be
    optional or alternatives."""
    from re import _constants, _parser  # noqa: PLC0415 - the standard library's parser of regular expressions

    runs, run = [], ""
    for op, value in _parser.parse(branch, flags):
        if op is _constants.LITERAL and value < 128:
            run += chr(value)
        else:
            runs.append(run)
            run = ""
    longest = max([*runs, run], key=len)
    return longest if len(longest) >= 3 else ""


# Under IGNORECASE, "ı" (dotless i) matches "i" and "İ" matches "i", but casefolding keeps the one and
# turns the other into "i" and a combining dot: a paragraph with either is searched without gates.
_UNFOLDABLE = ("\u0130", "\u0131")
_RULES = tuple(_Rule.of(reason, pattern) for reason, pattern in _BOILERPLATE_PATTERNS)


def boilerplate_reason(paragraph: str) -> str:
    """The reason a paragraph is boilerplate on its own, or '' when it is not."""
    folded = None if any(c in paragraph for c in _UNFOLDABLE) else paragraph.casefold()
    for rule in _RULES:
        if rule.matches(paragraph, folded):
            return rule.reason
    return ""


def classify_paragraphs(paragraphs: list[str]) -> list[ParagraphDraft]:
    """Mark boilerplate paragraphs (kept, with a reason) using only this article's text."""
    reasons = [boilerplate_reason(p) for p in paragraphs]
    reasons = _in_context(paragraphs, reasons)
    tail_start = _appeal_tail_start(paragraphs, reasons)
    if tail_start is not None:
        reasons = reasons[:tail_start] + [r or "reader appeal" for r in reasons[tail_start:]]
    return [ParagraphDraft(text=p, boilerplate_reason=r) for p, r in zip(paragraphs, reasons, strict=True)]


def _in_context(paragraphs: list[str], reasons: list[str]) -> list[str]:
    """Boilerplate that shows only next to its neighbours: promos after their lead line, capitalised
    headlines of other stories, a name line above "Opinion contributor", an author bio at the end."""
    reasons = list(reasons)
    for n, text in enumerate(paragraphs):
        if reasons[n]:
            continue
        words = text.split()
        if text.startswith(("CLOSE ", "Story highlights", "Story Highlights")):
            reasons[n] = "related link" if text.startswith("CLOSE") else "story highlights"
        elif n and _HIGHLIGHTS.search(paragraphs[n - 1]) or (n and reasons[n - 1] == "story highlights"):
            if len(words) <= _HIGHLIGHT_WORDS and text[-1:] not in ".:":
                reasons[n] = "story highlights"
        elif _PROMO_LEAD.match(text) or n and _PROMO_LEAD.match(paragraphs[n - 1]) and len(words) <= _PROMO_WORDS:
            reasons[n] = "promotion"
        elif (
            n
            and reasons[n - 1] == "related link"
            and not _CLOSING_LINK.match(paragraphs[n - 1])
            and len(words) <= _PROMO_WORDS
            and text.rstrip("\"'”’")[-1:] not in ".:"
        ):
            reasons[n] = "related link"  # the rest of a "More:" list of headlines
        elif n and len(words) >= _ALL_CAPS_MIN_WORDS and _shouting(text):
            reasons[n] = "related link"
        elif n + 1 < len(paragraphs) and reasons[n + 1] == "byline" and _NAME_LINE.match(text):
            reasons[n] = "byline"
    kept = [n for n, r in enumerate(reasons) if not r]
    if len(kept) > 1 and len(paragraphs[kept[-1]].split()) <= _AUTHOR_BIO_WORDS and _AUTHOR_BIO.match(paragraphs[kept[-1]]):
        reasons[kept[-1]] = "author bio"
    if len(kept) > 1 and len(paragraphs[kept[0]].split()) <= _AUTHOR_BIO_TOP_WORDS and _AUTHOR_BIO.match(paragraphs[kept[0]]):
        reasons[kept[0]] = "author bio"  # an op-ed's author line above the piece
    return reasons


def _shouting(text: str) -> bool:
    """Capitals only, and not a quotation (a quoted post in capitals is the story's material)."""
    return text[0] not in "\"“‘'" and any(c.isalpha() for c in text) and not any(c.islower() for c in text)


def _appeal_tail_start(paragraphs: list[str], reasons: list[str]) -> int | None:
    for first, reason in enumerate(reasons):
        if reason != "reader appeal" or first == 0:
            continue
        tail = reasons[first:]
        if sum(1 for r in tail if r) / len(tail) >= _TAIL_FLAGGED_SHARE:
            # Take in a short lead-in line just before the appeal ("It's not (only) about you.").
            while first > 1 and len(paragraphs[first - 1].split()) <= _SHORT_LEAD_IN_WORDS:
                first -= 1
            return first
    return None


def content_hash(*parts: str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8", "surrogatepass"))
        digest.update(b"\x00")
    return digest.hexdigest()


# --- persons ----------------------------------------------------------------------------------

# Titles and honorifics are not part of a name ("President Vladimir Putin" is Vladimir Putin).
_TITLES = frozenset(
    """mr mrs ms miss mx dr prof president vice prime minister sen senator rep representative gov governor
    gen general col colonel lt capt captain sgt adm admiral chancellor king queen prince princess pope sir
    dame lord lady judge justice secretary chief ceo chairman chairwoman coach rev reverend father sister
    brother sheikh ayatollah imam rabbi emir sultan mayor speaker ambassador commissioner director
    officer detective inspector professor doctor saint st former late then acting deputy""".split()
)
_POSSESSIVE = re.compile(r"(['’]s|['’])$")
_NAME_TOKEN = re.compile(r"^[A-Z][^\W\d_]*(['’.-][^\W\d_]*)*\.?$|^(de|da|van|von|der|den|del|la|le|bin|al|ibn|el)$")
_MAX_NAME_TOKENS = 5


@dataclass(frozen=True)
class MentionDraft:
    paragraph: int  # index in the list given to find_persons
    start: int  # character offsets into that paragraph
    end: int
    text: str  # the name as written, title and possessive removed
    name: str  # the fullest form of the name in this article


def clean_person_name(text: str) -> tuple[int, str] | None:
    """(offset of the name within ``text``, name) without titles or possessive; None if not a name."""
    tokens = text.split()
    offset = 0
    while tokens and tokens[0].rstrip(".").lower() in _TITLES:
        offset = text.index(tokens[0], offset) + len(tokens[0])
        tokens = tokens[1:]
    if not tokens:
        return None
    tokens[-1] = _POSSESSIVE.sub("", tokens[-1])
    name = " ".join(t for t in tokens if t)
    if not name or len(tokens) > _MAX_NAME_TOKENS or not all(_NAME_TOKEN.match(t) for t in tokens if t):
        return None
    if len(name) < 2 or name.isupper() and len(name) <= 3:
        return None
    return text.index(tokens[0], offset), name


def resolve_in_article(names: list[str]) -> dict[str, str]:
    """Map each name to its fullest form in the same article: "Putin" → "Vladimir Putin"."""
    full = [n for n in dict.fromkeys(names) if " " in n]
    resolved: dict[str, str] = {}
    for name in dict.fromkeys(names):
        if " " in name:
            resolved[name] = name
            continue
        candidates = [f for f in full if name in (f.split()[-1], f.split()[0])]
        # Prefer a surname match; the first full form seen wins when several share it.
        surname = [f for f in candidates if f.split()[-1] == name]
        resolved[name] = (surname or candidates or [name])[0]
    return resolved


def find_persons(paragraphs: list[str]) -> list[MentionDraft]:
    """Person mentions in an article's paragraphs, each resolved to the fullest name in the article."""
    ((_, mentions),) = find_persons_stream([(None, paragraphs)])
    return mentions


def find_persons_stream(articles: Iterable[tuple[T, list[str]]], *, processes: int = 1) -> Iterator[tuple[T, list[MentionDraft]]]:
    """Person mentions for a stream of (key, paragraphs) articles, in order (``processes`` NER workers)."""
    for key, paragraphs, spans in ner.person_spans(articles, processes=processes):
        yield key, _mentions(paragraphs, spans)


def _mentions(paragraphs: list[str], spans: list[ner.ParagraphSpans]) -> list[MentionDraft]:
    raw: list[tuple[int, int, int, str]] = []
    for number, paragraph_spans in enumerate(spans):
        for entity_start, _, entity_text in paragraph_spans:
            cleaned = clean_person_name(entity_text)
            if cleaned is None:
                continue
            offset, name = cleaned
            start = entity_start + offset
            raw.append((number, start, start + len(name), name))
    raw = _with_table_names(paragraphs, raw)
    raw += _repeated_names(paragraphs, raw)
    raw.sort()
    resolved = resolve_in_article([name for *_, name in raw])
    return [MentionDraft(paragraph=n, start=s, end=e, text=name, name=resolved[name]) for n, s, e, name in raw]


def _with_table_names(paragraphs: list[str], found: list[tuple[int, int, int, str]]) -> list[tuple[int, int, int, str]]:
    """The model's mentions plus names from table patterns; in a table the pattern's span wins over
    an overlapping one of the model's (which there often takes in a country or a score)."""
    from_tables = [(number, start, end, name) for number, text in enumerate(paragraphs) for start, end, name in table_names(text)]
    covered = {(n, position) for n, start, end, _ in from_tables for position in range(start, end)}
    kept = [m for m in found if not any((m[0], position) in covered for position in range(m[1], m[2]))]
    taken: set[tuple[int, int]] = set()
    for number, start, end, _ in sorted(from_tables, key=lambda m: m[1] - m[2]):  # longest first
        if any((number, position) in taken for position in range(start, end)):
            continue
        taken.update((number, position) for position in range(start, end))
        kept.append((number, start, end, paragraphs[number][start:end]))
    return kept


def _repeated_names(paragraphs: list[str], found: list[tuple[int, int, int, str]]) -> list[tuple[int, int, int, str]]:
    """Later mentions that the model missed of names it found elsewhere in the same article.

    The small model misses names in short or unusual sentences ("Merkel spoke first."); a name
    it recognised once in an article is strong evidence for its other occurrences there.
    """
    names = {name for *_, name in found} | {name.split()[-1] for *_, name in found if " " in name}
    if not names:
        return []
    alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    pattern = re.compile(r"(?<![\w-])(" + alternatives + r")(?![\w-])")
    shouted = re.compile(r"(?<![\w-])(" + alternatives.upper() + r")(?![\w-])")  # headlines in capitals
    by_upper = {n.upper(): n for n in names}
    taken = {(n, position) for n, start, end, _ in found for position in range(start, end)}
    extra = []
    for number, text in enumerate(paragraphs):
        in_capitals = text.upper() == text
        for match in (shouted if in_capitals else pattern).finditer(text):
            if (number, match.start()) not in taken and (number, match.end() - 1) not in taken:
                name = by_upper[match.group(1)] if in_capitals else match.group(1)
                extra.append((number, match.start(), match.end(), name))
    return extra


# Results tables and line-ups, where the model sees no sentence: "Todd Martin (U.S.) beat …",
# "13 - Pavel Pardo ,", "C. Hooper 58", "Saeed Anwar c Stewart b Gough 33". Measured on
# CoNLL-2003 train (tests/tools/conll_eval.py --split train) before being tried on dev.
_WORD = r"[A-Z][a-z][\w'’-]*"
_PARTICLE = r"(?:van|de|der|von|da|di|le|la|el)"
_FULL_NAME = rf"(?:[A-Z]\.\s?)?{_WORD}(?:\s(?:{_PARTICLE}\s)?{_WORD}){{1,2}}"
_TABLE_PATTERNS = (
    re.compile(
        rf"(?<![\w.])(?<!the )({_FULL_NAME})\s?\(\s?(?!(?:Reuters|Bloomberg|Getty|Photo|File)\b)"
        r"(?:U\.S\.|[A-Z][a-z][\w.]*(?:\s[A-Z][a-z][\w.]*)*)\s?\)"
    ),
    re.compile(rf"(?:^|[\s(;,])\d{{1,2}}\s?-\s({_FULL_NAME})(?=\s?(?:[,;()]|\d+(?:st|nd|rd|th)\b)|\s?$)"),
    re.compile(rf"(?<![\w.])({_FULL_NAME})\s?\(\s?\d+(?:st|nd|rd|th)(?:\sminute)?\s?\)"),
    re.compile(rf"(?<![\w.])((?:[A-Z]\.\s?)?{_WORD}(?:\s{_WORD}){{0,2}})(?=\s\d+-\d+-\d+-\d+)"),
    re.compile(rf"(?<![\w.])([A-Z]\.\s?{_WORD})(?=\s\d)"),
    re.compile(rf"\s(?:c|b|lbw b|st|c&b)\s({_WORD})(?=\s)"),
    re.compile(rf"^((?:[A-Z]\.\s)?{_WORD}(?:\s{_WORD}){{0,2}})(?=\s(?:c|b|lbw|st|not out|run out)\s)"),
)
_NOT_A_NAME = re.compile(
    r"\b(Party|Commission|Bank|Exchange|Regulation|Union|Army|Board|Group|Value|Economics|Building|Material|Studies|Council"
    r"|Ministry|Agency|Corp|Inc|Ltd|Club|United|City|FC|Association|Institute|Committee|Office|Front|Force|Company|Fund)\b"
)
_TABLE_SYMBOLIC_SHARE = 0.2  # share of tokens without a letter (scores, numbers, dashes, brackets)
_TABLE_MAX_WORDS = 250


def _looks_tabular(paragraph: str) -> bool:
    """Scores, numbers and separators between short runs of names, not sentences."""
    tokens = paragraph.split()
    if not tokens or len(tokens) > _TABLE_MAX_WORDS or not any(c.isdigit() for c in paragraph) and paragraph.count(",") < 3:
        return False
    symbolic = sum(1 for t in tokens if not any(c.isalpha() for c in t))
    return symbolic / len(tokens) >= _TABLE_SYMBOLIC_SHARE


def table_names(paragraph: str) -> list[tuple[int, int, str]]:
    """(start, end, name) of persons in a results-table or line-up paragraph; [] for prose."""
    if not _looks_tabular(paragraph):
        return []
    found = []
    for pattern in _TABLE_PATTERNS:
        for match in pattern.finditer(paragraph):
            if not _NOT_A_NAME.search(match.group(1)):
                found.append((match.start(1), match.end(1), match.group(1)))
    return found
