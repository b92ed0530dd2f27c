"""Tagged PDF (PDF/UA-1): the structure tree a screen reader follows, and the marked content it points at.

The one seam with the renderer: render.py builds a tree of `Node`s in reading order while it builds
the story, and hands the flowables that draw a node's content to `Node.mark` (or `Node.leaf`,
`Node.item`). Each returned flowable draws exactly as before, inside a marked-content sequence
(`/P <</MCID n>> BDC ... EMC`) written by `TaggingCanvas`. Everything else on a page (boxes, rules,
tints, the footer, the page numbers, table headers repeated on a new page) is an artifact: the
canvas opens `/Artifact BMC` at the start of every page and each tagged flowable interrupts it.
What is drawn `held` (the footer) stays an artifact unless `tag_held` makes it content on its page
once every page is known (the clinic's contact, read on a handout's last page only).

When the canvas saves, `write_structure` adds the structure tree (StructTreeRoot, the ParentTree,
/StructParents on every page), /MarkInfo, /Tabs /S, and the XMP metadata with the PDF/UA identifier, as
ReportLab objects written in the same pass as the pages. The order of
the tree is the order render.py built it in, not the order things were drawn. The merged print file
(printfile.py) is drawn on a plain canvas and not tagged (it goes to the printer; printfile.py says why).

Only standard structure types are used, so no RoleMap is needed.
"""
from __future__ import annotations

import codecs
from contextlib import contextmanager
from dataclasses import dataclass

from reportlab.pdfbase.pdfdoc import PDFObject, PDFObjectReference
from reportlab.pdfbase.pdfdoc import format as pdf_format
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable

from .rl_compat import document_pages, page_code, pdf_document, set_page_entries, text_code
from .ruby import escape

LEAF_ROLES = frozenset({"P", "H1", "H2", "H3", "Lbl", "LBody", "Figure", "Caption", "Span", "Note", "RB", "RT"})


@dataclass(frozen=True)
class Content:
    """A marked-content sequence: page index (0-based) and its MCID on that page."""
    page: int
    mcid: int


class Node:
    """A structure element: a standard role, children in reading order, and optional alternative text
    (Figure) or table attributes (TH scope, column span)."""

    def __init__(self, role: str, alt: str | None = None, **attributes):
        self.role = role
        self.alt = alt
        self.attributes = attributes  # e.g. Scope="Column", ColSpan=3 (the /Table attribute owner)
        self.kids: list[Node | Content] = []
        self.actual_text: str | None = None  # what to read instead of the drawn text (lines run together)

    def add(self, role: str, alt: str | None = None, **attributes) -> Node:
        """A new child element, after the ones added before it."""
        child = Node(role, alt, **attributes)
        self.kids.append(child)
        return child

    def mark(self, flowable: Flowable) -> Flowable:
        """The flowable, whose drawing becomes this element's content (a flowable split over pages
        stays one element)."""
        return Tagged(flowable, self)

    def leaf(self, role: str, flowable: Flowable, alt: str | None = None) -> Flowable:
        """A new child element whose content is what flowable draws."""
        return self.add(role, alt).mark(flowable)

    def item(self, paragraph: Flowable) -> Flowable:
        """A list item (LI) of this L: the paragraph's bullet becomes its Lbl, its text its LBody."""
        li = self.add("LI")
        return Tagged(paragraph, li.add("Lbl"), body=li.add("LBody"))

    def table(self, rows: int, columns: int, header_rows: int = 0, header_columns: int = 0) -> list[list[Node]]:
        """A Table child with rows x columns cells (TR / TH / TD); header cells say what they head."""
        table = self.add("Table")
        cells = []
        for r in range(rows):
            tr = table.add("TR")
            cells.append([tr.add("TH", Scope="Column") if r < header_rows else
                          tr.add("TH", Scope="Row") if c < header_columns else tr.add("TD")
                          for c in range(columns)])
        return cells

    def walk(self):
        yield self
        for kid in self.kids:
            if isinstance(kid, Node):
                yield from kid.walk()


class Tagged(Flowable):
    """Wraps a flowable: lays out exactly as it (every attribute is the wrapped flowable's), and draws it
    inside a marked-content sequence of its node. Drawn a second time (a table's header row repeated on
    the next page), it stays an artifact."""

    def __init__(self, flowable, node: Node, body: Node | None = None):
        self.__dict__.update(_inner=flowable, _node=node, _body=body, _drawn=False)

    def __getattr__(self, name):
        return getattr(self.__dict__["_inner"], name)

    def __setattr__(self, name, value):
        setattr(self._inner, name, value)

    def __delattr__(self, name):
        delattr(self._inner, name)

    def wrap(self, availWidth, availHeight):
        return self._inner.wrap(availWidth, availHeight)

    def getSpaceBefore(self):  # the wrapped flowable's (Flowable's own would ask for each attribute through
        return self._inner.getSpaceBefore()  # __getattr__: tables ask about 450 times a handout)

    def getSpaceAfter(self):
        return self._inner.getSpaceAfter()

    def wrapOn(self, canv, aW, aH):
        return self._inner.wrapOn(canv, aW, aH)

    def split(self, availWidth, availHeight):
        return [self._part(part, first=i == 0) for i, part in enumerate(self._inner.split(availWidth, availHeight))]

    def splitOn(self, canv, aW, aH):
        return [self._part(part, first=i == 0) for i, part in enumerate(self._inner.splitOn(canv, aW, aH))]

    def _part(self, part, first: bool) -> Tagged:
        if not first and self._body is not None:  # a list item's second half has no bullet: all LBody
            return Tagged(part, self._body)
        return Tagged(part, self._node, self._body)

    def drawOn(self, canvas, x, y, _sW=0):
        tagging = isinstance(canvas, TaggingCanvas) and not self._drawn
        self.__dict__["_drawn"] = True
        if not tagging:
            return self._inner.drawOn(canvas, x, y, _sW)
        if self._body is not None and getattr(self._inner, "bulletText", None):
            canvas.begin_split(self._node, self._body)
        else:
            canvas.begin(self._node if self._body is None else self._body)
        try:
            self._inner.drawOn(canvas, x, y, _sW)
        finally:
            canvas.end()


def unwrap(flowable):
    """The flowable itself, whether or not it was tagged (for code that looks inside a story)."""
    return flowable._inner if isinstance(flowable, Tagged) else flowable


class TaggingCanvas(Canvas):
    """A canvas that writes marked content: an artifact unless a Tagged flowable is drawing. Its structure,
    (root, title) set before it saves, becomes the file's structure tree (`write_structure`)."""

    structure: tuple[Node, str] | None = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._mcids: dict[int, int] = {}  # page number -> MCIDs used
        self._open: Node | None = None
        self._pending: list[Node] = []
        self._texts = 0
        self._holding: list[int] | None = None  # where `held` drawing starts, its artifacts start and end
        self._held: list[int] = []

    def _marker(self, node: Node) -> str:
        """The operators that end the artifact and open node's next marked-content sequence on this page."""
        if node.role not in LEAF_ROLES and node.role not in ("TH", "TD"):
            raise ValueError(f"{node.role} groups other elements; it has no content of its own")
        page = self.getPageNumber()
        mcid = self._mcids.get(page, 0)
        self._mcids[page] = mcid + 1
        node.kids.append(Content(page - 1, mcid))
        return f"EMC\n/{node.role} <</MCID {mcid}>> BDC"

    def _mark(self, node: Node) -> None:
        self.addLiteral(self._marker(node))
        self._open = node

    def begin(self, node: Node) -> None:
        if self._open is not None:
            raise ValueError(f"a tagged {node.role} inside a tagged {self._open.role}: tag one of them only")
        self._texts = 0
        self._mark(node)

    def begin_split(self, label: Node, body: Node) -> None:
        """A bulleted paragraph: its first text object (ReportLab draws the bullet first) is the label,
        the rest is the body."""
        self.begin(label)
        self._pending = [body]

    def _to_body(self) -> None:
        if self._pending and self._texts == 1:
            self.addLiteral("EMC\n/Artifact BMC")  # closes the label's sequence, as _mark expects
            self._mark(self._pending.pop())

    def drawText(self, textobject):
        self._to_body()
        self._texts += 1
        if getattr(textobject, "clinic_ruby_node", None) is None:
            return super().drawText(textobject)
        # A text object with ruby bases marks its own content inside BT ... ET (marked content and text
        # objects nest, never overlap): the sequence open out here ends before it, an artifact after it.
        code = textobject.getCode()
        if not (code.startswith("BT") and code.endswith("ET")):
            raise ValueError("a text object that does not end with ET")
        page_code(self).extend(["EMC", code[:-2] + "EMC ET", "/Artifact BMC"])

    @contextmanager
    def ruby(self, tx, base: str):
        """A ruby group in the tagged text being drawn: a Ruby element (its ActualText the base) of the open
        element, with an RB, the base in text object tx (marked up to `ruby_end`), and an RT, what the
        with-block draws (the reading). Outside a tagged element, the reading is an artifact."""
        self._to_body()  # a bulleted item draws its bullet (the label) first, then its text
        node = self._open
        if node is None:
            with self.artifact():
                yield
            return
        if getattr(tx, "clinic_ruby_node", None) is None:  # the text before the first group: the element's own
            tx.clinic_ruby_node = node
            text_code(tx).insert(1, self._marker(node).removeprefix("EMC\n"))  # after its BT
        group = node.add("Ruby")
        group.actual_text = base
        rb, rt = group.add("RB"), group.add("RT")
        rb.actual_text = base  # a spaced-out base starts with an invisible space (typeset.py): the base is this
        self.addLiteral(self._marker(rt))
        try:
            yield
        finally:
            self.addLiteral("EMC\n/Artifact BMC")
            text_code(tx).append(self._marker(rb).replace("\n", " "))
            tx.clinic_ruby_open = True

    def ruby_end(self, tx) -> None:
        """A ruby group's base has been set in tx: what follows is the element's own text again."""
        if getattr(tx, "clinic_ruby_open", False):
            text_code(tx).append(self._marker(tx.clinic_ruby_node).replace("\n", " "))
            tx.clinic_ruby_open = False

    @contextmanager
    def artifact(self):
        """Draws what the with-block draws as an artifact, in the middle of a tagged flowable (ruby's
        reading, typeset.py); the element then goes on in a new marked-content sequence."""
        node, holding = self._open, self._holding
        if node is not None:
            self.addLiteral("EMC\n/Artifact BMC")
        if holding is not None:
            holding.append(len(page_code(self)))
        try:
            yield
        finally:
            if holding is not None:
                holding.append(len(page_code(self)))
            if node is not None:
                self._mark(node)

    @contextmanager
    def held(self):
        """Draws what the with-block draws as an artifact, and remembers where it is in the page's content:
        `tag_held`, called before the page is shown, can make it an element's content after all (the footer's
        clinic contact: content on a handout's last page only, known when every page is laid out)."""
        if self._open is not None:
            raise ValueError(f"held drawing inside a tagged {self._open.role}")
        self._holding = [len(page_code(self))]
        try:
            yield
        finally:
            self._holding.append(len(page_code(self)))
            self._held, self._holding = self._holding, None

    def tag_held(self, node: Node) -> None:
        """Makes what `held` drew on this page node's content (less what it drew as an `artifact`)."""
        bounds = self._held
        spans = [(start, end) for start, end in zip(bounds[::2], bounds[1::2], strict=True) if start < end]
        markers = [self._marker(node) for _ in spans]  # MCIDs in drawing order, which is the reading order
        for (start, end), marker in reversed(list(zip(spans, markers, strict=True))):
            page_code(self).insert(end, "EMC\n/Artifact BMC")
            page_code(self).insert(start, marker)
        self._held = []

    def end(self) -> None:
        self.addLiteral("EMC\n/Artifact BMC")
        self._open, self._pending = None, []

    def showPage(self):
        page_code(self).insert(0, "/Artifact BMC")
        page_code(self).append("EMC")
        super().showPage()

    def save(self):
        if page_code(self):  # what Canvas.save does first: the page in hand is shown
            self.showPage()
        if self.structure is not None:
            write_structure(pdf_document(self), *self.structure)
        super().save()


# -- the structure tree, written by ReportLab with the rest of the file --------------------------------

def write_structure(document, root: Node, title: str, lang: str = "ja-JP") -> None:
    """Adds root as the structure tree of a ReportLab PDFDocument about to be saved (every page shown):
    elements, ParentTree, /StructParents, /Tabs, /MarkInfo, /Lang, and XMP metadata that says PDF/UA-1
    (DisplayDocTitle is the document's own option: render._document). Written in ReportLab's own objects,
    in the one pass that writes the file (a second pass with pypdf, parsing and writing the whole file
    again, cost a fifth of a handout's time)."""
    from reportlab.pdfbase.pdfdoc import PDFArray, PDFDictionary, PDFName, PDFStream, PDFString

    pages = [document.Reference(page) for page in document_pages(document)]  # registered: their references
    used: dict[int, dict[int, object]] = {}  # page -> MCID -> element
    tree = PDFDictionary({"Type": PDFName("StructTreeRoot")})
    tree_ref = document.Reference(tree)

    def build(node: Node, parent_ref):
        # /Type /StructElem is optional and left out, as is an /MCR dictionary for content on the element's page:
        # a handout has a few hundred elements, and these keep the tagged file about 10 KB smaller.
        elem = Element({"S": PDFName(node.role), "P": parent_ref})
        ref = document.Reference(elem)
        if node.alt is not None:
            elem["Alt"] = text_string(node.alt)
        if node.actual_text is not None:
            elem["ActualText"] = text_string(node.actual_text)
        if node.attributes:
            attributes: dict[str, object] = {"O": PDFName("Table")}
            for key, value in node.attributes.items():
                attributes[key] = value if isinstance(value, int) else PDFName(value)
            elem["A"] = PDFDictionary(attributes)
        kids: list = []
        page = None  # the element's /Pg
        for kid in node.kids:
            if isinstance(kid, Content):
                if page is None:
                    page = kid.page
                    elem["Pg"] = pages[page]
                if kid.page == page:
                    kids.append(kid.mcid)
                else:
                    kids.append(PDFDictionary({"Type": PDFName("MCR"), "Pg": pages[kid.page], "MCID": kid.mcid}))
                used.setdefault(kid.page, {})[kid.mcid] = ref
            elif _has_content(kid):
                kids.append(build(kid, ref))
        # One kid is written alone, not in an array: readers accept both, and so does pdfua's heading check.
        elem["K"] = kids[0] if len(kids) == 1 else kids
        return ref

    tree["K"] = PDFArray([build(root, tree_ref)])
    numbers: list = []
    for index in sorted(used):
        mcids = used[index]
        missing = set(range(len(mcids))) ^ set(mcids)
        if missing:
            raise ValueError(f"page {index + 1}: marked content without an element: {sorted(missing)}")
        numbers += [index, document.Reference(PDFArray([mcids[m] for m in range(len(mcids))]))]
        set_page_entries(document_pages(document)[index], StructParents=index)
    for page in document_pages(document):
        set_page_entries(page, Tabs=PDFName("S"))
    tree["ParentTree"] = document.Reference(PDFDictionary({"Nums": PDFArray(numbers)}))
    tree["ParentTreeNextKey"] = len(pages)

    catalog = document.Catalog
    catalog.StructTreeRoot = tree_ref
    catalog.MarkInfo = PDFDictionary({"Marked": "true"})
    catalog.Lang = PDFString(lang)
    catalog.Metadata = PDFStream(PDFDictionary({"Type": PDFName("Metadata"), "Subtype": PDFName("XML")}),
                                 _xmp(title, lang).encode("utf-8"))  # not compressed: the document's default


class Element(PDFObject):
    """A structure element's dictionary, written exactly as ReportLab's PDFDictionary writes it (keys sorted,
    a line break before every sixth entry; arrays a line break before every tenth item), only faster: its
    names, numbers, references and lists are formatted here, anything else by ReportLab. A handout has a few
    hundred elements: with PDFDictionary the tree cost about 4 ms of a 43 ms handout."""

    def __init__(self, entries: dict):
        self.entries = entries

    def __setitem__(self, name: str, value) -> None:
        self.entries[name] = value

    def __getitem__(self, name: str):
        return self.entries[name]

    def format(self, document) -> bytes:
        entries = [b"/" + name.encode("ascii") + b" " + _formatted(self.entries[name], document)
                   for name in sorted(self.entries)]
        for at in reversed(range(6, len(entries), 6)):
            entries.insert(at, b"\n ")
        return b"<<\n" + b" ".join(entries) + b"\n>>"


def _formatted(value, document) -> bytes:
    """value as ReportLab's format() writes it, for the kinds of value an Element holds."""
    if type(value) is int:
        return b"%d" % value
    if type(value) is PDFObjectReference:
        return b"%d %d R" % document.idToObjectNumberAndVersion[value.name]
    if type(value) is str and value.startswith("/") and value.isascii():  # a PDFName
        return value.encode("ascii")
    if type(value) is list:  # as PDFArray
        items = [_formatted(item, document) for item in value]
        for at in reversed(range(10, len(items), 10)):
            items.insert(at, b"\n ")
        return b"[ " + b" ".join(items) + b" ]"
    return pdf_format(value, document)


def text_string(text: str):
    """A PDF text string as ReportLab writes it for the structure tree: UTF-16BE with its byte order mark,
    in hex (ReportLab's PDFString writes each byte of UTF-16 as a 4-character octal escape)."""
    from reportlab.pdfbase.pdfdoc import PDFText

    return PDFText(codecs.BOM_UTF16_BE + text.encode("utf-16-be"))


def read_structure(reader, first_page: int = 0) -> Node | None:
    """A tagged PDF's structure tree as Nodes (pages counted from first_page), or None if untagged."""
    tree = reader.trailer["/Root"].get("/StructTreeRoot")
    if tree is None:
        return None
    pages = {page.indirect_reference.idnum: first_page + i for i, page in enumerate(reader.pages)}

    def element(obj, page):
        obj = obj.get_object()
        node = Node(str(obj["/S"])[1:], str(obj["/Alt"]) if "/Alt" in obj else None,
                    **{str(k)[1:]: (int(v) if isinstance(v, int) else str(v)[1:] if str(v).startswith("/") else str(v))
                       for k, v in obj.get("/A", {}).items() if k != "/O"})
        node.actual_text = str(obj["/ActualText"]) if "/ActualText" in obj else None
        page = pages.get(obj.raw_get("/Pg").idnum) if "/Pg" in obj else page
        kids = obj.get("/K", [])
        for kid in kids if isinstance(kids, list) else [kids]:
            kid = kid.get_object() if hasattr(kid, "get_object") else kid
            if isinstance(kid, int):
                node.kids.append(Content(page, int(kid)))
            elif kid.get("/Type") == "/MCR":
                node.kids.append(Content(pages[kid.raw_get("/Pg").idnum] if "/Pg" in kid else page, int(kid["/MCID"])))
            else:
                node.kids.append(element(kid, page))
        return node

    kids = tree.get_object().get("/K", [])
    roots = [element(kid, None) for kid in (kids if isinstance(kids, list) else [kids])]
    if len(roots) == 1:
        return roots[0]
    document = Node("Document")
    document.kids = roots
    return document


def _has_content(node: Node) -> bool:
    """Whether an element is kept: it holds drawn content somewhere below, or it is a table cell."""
    return node.role in ("TH", "TD", "TR") or any(
        isinstance(kid, Content) or _has_content(kid) for kid in node.kids)


def _xmp(title: str, lang: str) -> str:
    return f"""<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/">
   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">{escape(title)}</rdf:li></rdf:Alt></dc:title>
   <dc:language><rdf:Bag><rdf:li>{escape(lang)}</rdf:li></rdf:Bag></dc:language>
   <pdfuaid:part>1</pdfuaid:part>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"""
