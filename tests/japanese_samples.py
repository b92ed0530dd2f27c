"""Crafted Japanese text for the line-breaking tests and for CI's ja-pdf-check run (no test imports)."""

# Every rule at once: brackets, small kana, iteration and prolonged marks, numbers with units,
# a URL, an email address, a Latin name, …… and ——, an ideographic space, a phone number.
STRESS = ("たとえば梨状筋症候群（りじょうきんしょうこうぐん）。お尻の奥の梨状筋が、坐骨神経（ざこつしんけい）を刺激します！"  # noqa: E501 (Japanese text, counted twice by width)
          "「痛い」と感じたら、すぐにやめましょう。ストレッチは10秒 × 5回 ・ 1日2セット、予約は"
          "https://example.com/booking/form?id=12345 または info@example.com まで。受付時間は9:00〜12:00です。"
          "ゆっくり……息を吐いて——もどします。ぁぃぅぇぉっゃゅょ、ーーー。Tom O'Brien-Smith さんへ（2026年11月25日）。"
          "「（【『〔かっこ〕』】）」？！‼　電話03-0000-0000。") * 3
