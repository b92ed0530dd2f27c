"""The merged print file of a batch, written as the handouts arrive: memory flat in the batch's size.

pypdf's PdfWriter keeps every copied object of every handout until it writes (a 500-patient merge
peaked at 732 MB and took 75 s). `PrintFile` reads one handout at a time and writes its objects
out at once, renumbered; it keeps only each object's place in the file (8 bytes an object, about
2 KB a handout), each page's number and parent-tree row, and each handout's top structure element.

What the file is, as the pypdf merge made it:
- each handout's pages as they are (their content streams byte for byte, so the text, the page
  numbers `1 / 2` and the footers are each handout's own);
- a blank page after a handout with an odd number of pages, so each handout starts on a new sheet
  when printed double-sided;
- still tagged: one Document element, each handout's tree under it as a Part, in order; the parent
  tree and /StructParents numbered for the whole file; /MarkInfo, /Lang, DisplayDocTitle and the
  XMP metadata of a PDF/UA file;
- byte-deterministic: object numbers follow the handouts' own objects in order, and the file ID is a
  hash of the handouts' bytes.
Fonts are not shared between handouts: each handout carries its own font subsets (see issue 16's
note for why and what one-document rendering would need).
"""
from __future__ import annotations

import hashlib
import io
from array import array
from typing import BinaryIO

PAGES_INHERITED = ("/Resources", "/MediaBox", "/CropBox", "/Rotate")  # a page takes these from its /Pages
TITLE = "印刷用ハンドアウト (handouts for printing)"


class PrintFile:
    """A PDF written to out one handout at a time: add(pdf) for each, in order, then close()."""

    CATALOG, PAGES, TREE, DOCUMENT = 1, 2, 3, 4  # written last, when every page is known

    def __init__(self, out: BinaryIO, title: str = TITLE, lang: str = "ja-JP"):
        self.out, self.title, self.lang = out, title, lang
        self.offsets = array("q", [0] * 5)  # each object's place in the file, by number: 8 bytes an object
        self.next_number = 5
        self.pages: list[int] = []  # object numbers of the pages, in order
        self.parent_tree: list[tuple[int, int]] = []  # (page index, object number of its array of elements)
        self.parts: list[int] = []  # each handout's top structure element
        self.digest = hashlib.sha256()
        self.out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")

    def _number(self) -> int:
        self.offsets.append(0)
        self.next_number += 1
        return self.next_number - 1

    def _write(self, number: int, obj) -> None:
        self.offsets[number] = self.out.tell()
        self.out.write(f"{number} 0 obj\n".encode())
        obj.write_to_stream(self.out)
        self.out.write(b"\nendobj\n")

    def add(self, pdf: bytes) -> int:
        """Copies one handout's pages (and a blank page after an odd count) and its structure; returns
        how many pages it added. Nothing of pdf is kept."""
        from pypdf import PdfReader
        from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject, NumberObject

        self.digest.update(len(pdf).to_bytes(8, "big") + hashlib.sha256(pdf).digest())
        reader = PdfReader(io.BytesIO(pdf))
        catalog: DictionaryObject = reader.trailer["/Root"]  # type: ignore[assignment]  # resolved by pypdf
        numbers: dict[int, int] = {}  # the handout's object number -> this file's
        queue: list[int] = []

        def ref(old: int) -> IndirectObject:
            if old not in numbers:
                numbers[old] = self._number()
                queue.append(old)
            return IndirectObject(numbers[old], 0, None)

        def renumbered(value):
            """value with every reference renumbered (dictionaries and arrays changed in place)."""
            if isinstance(value, IndirectObject):
                return ref(value.idnum)
            if isinstance(value, dict):
                for key, item in list(dict.items(value)):
                    dict.__setitem__(value, key, renumbered(item))
            elif isinstance(value, list):
                for index, item in enumerate(value):
                    value[index] = renumbered(item)
            return value

        first_page = len(self.pages)
        page_tree: DictionaryObject = catalog["/Pages"]  # type: ignore[assignment]
        tree_root = catalog.get("/StructTreeRoot")
        tree_number = catalog.raw_get("/StructTreeRoot").idnum if tree_root is not None else None
        if tree_number is not None:
            numbers[tree_number] = self.DOCUMENT  # the handout's top element's parent becomes the Document
        pages = []
        for index, page in enumerate(reader.pages):
            for key in PAGES_INHERITED:
                if key not in page and key in page_tree:
                    page[NameObject(key)] = page_tree.raw_get(key)
            page[NameObject("/Parent")] = IndirectObject(self.PAGES, 0, None)
            assert page.indirect_reference is not None  # a page read from a file
            numbers[page.indirect_reference.idnum] = number = self._number()
            if "/StructParents" in page:
                page[NameObject("/StructParents")] = NumberObject(first_page + index)
            pages.append((number, page))
            self.pages.append(number)
        for number, page in pages:
            for key in list(dict.keys(page)):
                if key != "/Parent":
                    dict.__setitem__(page, key, renumbered(dict.__getitem__(page, key)))
            self._write(number, page)
        tops = set()
        if tree_root is not None:
            kids = tree_root.raw_get("/K")
            for kid in kids if isinstance(kids, list) else [kids]:
                tops.add(kid.idnum)
                self.parts.append(ref(kid.idnum).idnum)
            nums = tree_root["/ParentTree"]["/Nums"]
            for at in range(0, len(nums), 2):
                self.parent_tree.append((first_page + int(nums[at]), ref(nums[at + 1].idnum).idnum))
        while queue:
            old = queue.pop(0)
            obj = renumbered(reader.get_object(IndirectObject(old, 0, reader)))
            if old in tops:
                obj[NameObject("/S")] = NameObject("/Part")  # each handout a Part of the Document
            self._write(numbers[old], obj)
        if len(pages) % 2:  # duplex: the next handout starts on a new sheet
            box = reader.pages[-1].mediabox
            blank = DictionaryObject({
                NameObject("/Type"): NameObject("/Page"), NameObject("/Parent"): IndirectObject(self.PAGES, 0, None),
                NameObject("/MediaBox"): ArrayObject([NumberObject(0), NumberObject(0), *(
                    _number(v) for v in (box.width, box.height))]),
                NameObject("/Resources"): DictionaryObject(), NameObject("/Tabs"): NameObject("/S")})
            number = self._number()
            self._write(number, blank)
            self.pages.append(number)
        return len(pages) + len(pages) % 2

    def close(self) -> None:
        """The page tree, the structure tree, the catalog, the metadata, the cross-reference table."""
        from pypdf.generic import (
            ArrayObject,
            BooleanObject,
            DictionaryObject,
            IndirectObject,
            NameObject,
            NumberObject,
            StreamObject,
            TextStringObject,
        )

        from .tagging import _xmp

        def ref(number: int) -> IndirectObject:
            return IndirectObject(number, 0, None)

        self._write(self.PAGES, DictionaryObject({
            NameObject("/Type"): NameObject("/Pages"), NameObject("/Count"): NumberObject(len(self.pages)),
            NameObject("/Kids"): ArrayObject(ref(n) for n in self.pages)}))
        self._write(self.DOCUMENT, DictionaryObject({
            NameObject("/S"): NameObject("/Document"), NameObject("/P"): ref(self.TREE),
            NameObject("/K"): ArrayObject(ref(n) for n in self.parts)}))
        parent_tree = self._number()
        nums = ArrayObject()
        for index, number in self.parent_tree:
            nums += [NumberObject(index), ref(number)]
        self._write(parent_tree, DictionaryObject({NameObject("/Nums"): nums}))
        self._write(self.TREE, DictionaryObject({
            NameObject("/Type"): NameObject("/StructTreeRoot"), NameObject("/K"): ArrayObject([ref(self.DOCUMENT)]),
            NameObject("/ParentTree"): ref(parent_tree), NameObject("/ParentTreeNextKey"): NumberObject(
                len(self.pages))}))
        metadata = StreamObject()
        metadata[NameObject("/Type")] = NameObject("/Metadata")
        metadata[NameObject("/Subtype")] = NameObject("/XML")
        metadata.set_data(_xmp(self.title, self.lang).encode("utf-8"))
        metadata_number = self._number()
        self._write(metadata_number, metadata)
        self._write(self.CATALOG, DictionaryObject({
            NameObject("/Type"): NameObject("/Catalog"), NameObject("/Pages"): ref(self.PAGES),
            NameObject("/StructTreeRoot"): ref(self.TREE),
            NameObject("/MarkInfo"): DictionaryObject({NameObject("/Marked"): BooleanObject(True)}),
            NameObject("/Lang"): TextStringObject(self.lang),
            NameObject("/ViewerPreferences"): DictionaryObject({NameObject("/DisplayDocTitle"): BooleanObject(True)}),
            NameObject("/Metadata"): ref(metadata_number)}))
        info = self._number()
        self._write(info, DictionaryObject({NameObject("/Producer"): TextStringObject("clinic-handout"),
                                            NameObject("/Title"): TextStringObject(self.title)}))
        start = self.out.tell()
        size = self.next_number
        lines = [f"xref\n0 {size}\n", "0000000000 65535 f \n"]
        lines += [f"{self.offsets[n]:010d} 00000 n \n" for n in range(1, size)]
        file_id = self.digest.hexdigest()[:32]
        lines.append(f"trailer\n<< /Size {size} /Root 1 0 R /Info {info} 0 R /ID [<{file_id}> <{file_id}>] >>\n"
                     f"startxref\n{start}\n%%EOF\n")
        self.out.write("".join(lines).encode("ascii"))


def _number(value: float):
    from pypdf.generic import FloatObject, NumberObject

    return NumberObject(int(value)) if float(value).is_integer() else FloatObject(value)


def merge(pdfs) -> bytes:
    """The print file of these handouts, in memory (for a few; a batch writes it to a file as it goes)."""
    out = io.BytesIO()
    printfile = PrintFile(out)
    for pdf in pdfs:
        printfile.add(pdf)
    printfile.close()
    return out.getvalue()



def encrypt(pdf: bytes, password: str) -> bytes:
    """The PDF protected with AES-256 (pypdf with its crypto extra): it opens only with the password."""
    import io

    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.encrypt(user_password=password, owner_password=None, algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
