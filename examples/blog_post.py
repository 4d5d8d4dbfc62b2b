"""Write one derivation as a Markdown blog post in the series' style: prose between $$ ... $$
blocks that KaTeX renders (aligned, one tag per block), with a front matter for a static site.

    python examples/blog_post.py [NAME] [--lang en|ja] [-o FILE]

NAME is any of `derive list` (default: bce-sigmoid-grad, the famous sigma(z) - t).
"""
import argparse
import sys

import derive
from derive.printing import render


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("name", nargs="?", default="bce-sigmoid-grad", choices=derive.names())
    parser.add_argument("--lang", choices=("en", "ja"), default="en")
    parser.add_argument("-o", "--output", help="write here instead of stdout")
    args = parser.parse_args()

    derivation = derive.get(args.name)
    title = derivation.title[args.lang]
    front_matter = f"---\ntitle: \"{title}\"\nmath: katex\n---\n\n"
    lines, steps = len(derivation.lines), len(derivation.steps)
    intro = {
        "en": f"Each line below combines steps that were produced by applying a rule of the catalogue and "
              f"checked by machine ({lines} lines, {steps} steps, all verified: {derivation.verified}).\n\n",
        "ja": f"以下の各行は、規則カタログの規則を適用して得たステップをまとめたもので、すべて機械で検証済みです"
              f"（{lines} 行、{steps} ステップ、検証結果：{derivation.verified}）。\n\n",
    }[args.lang]
    post = front_matter + intro + render("markdown", [derivation], args.lang)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as handle:
            handle.write(post)
    else:
        sys.stdout.write(post)
    return 0


if __name__ == "__main__":
    sys.exit(main())
