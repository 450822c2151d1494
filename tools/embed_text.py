#!/usr/bin/env python3
"""embed_text.py INPUT OUTPUT HEADER NAME: a C file defining `const char NAME[]`
with INPUT's text (UTF-8, one string literal a line), including HEADER, so
texts such as the mount's README are edited as text and built in."""
import sys


def main():
    src, out, header, name = sys.argv[1:5]
    with open(src, encoding="utf-8") as f:
        text = f.read()
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    with open(out, "w", encoding="utf-8") as f:
        f.write('#include "%s"\n\nconst char %s[] =\n' % (header, name))
        for line in lines:
            escaped = line.replace("\\", "\\\\").replace('"', '\\"')
            f.write('\t"%s\\n"\n' % escaped)
        f.write('\t"";\n')


if __name__ == "__main__":
    main()
