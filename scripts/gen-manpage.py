#!/usr/bin/env python3
"""Render a swift-argument-parser command's help as a troff man page.

Usage: gen-manpage.py BINARY SECTION [--version V] [--date YYYY-MM-DD] [-o FILE]

Runs `BINARY --experimental-dump-help` (ArgumentParser's ToolInfo JSON, schema version 0) and
writes one page: NAME, SYNOPSIS, DESCRIPTION (the command's discussion), OPTIONS, then one
subsection per subcommand present in the binary (recursively), ENVIRONMENT/FILES are part of
the discussion text. ArgumentParser's synthesized `help` subcommand and hidden arguments are
left out. Only the Python 3 standard library is used, so it runs on a bare Debian machine.
"""

import argparse
import datetime
import json
import os
import subprocess
import sys

SYNTHESIZED_HELP_ABSTRACT = "Show subcommand help information."


def esc(text):
    """Escape text for troff: backslashes and hyphens (so options stay copy-pasteable)."""
    return text.replace("\\", "\\e").replace("-", "\\-")


def line_safe(line):
    """A text line may not start with a control character ('.' or "'")."""
    return "\\&" + line if line[:1] in (".", "'") else line


def paragraphs(text):
    """Render discussion text: blank lines separate paragraphs; a paragraph with indented
    lines (tables such as exit statuses) is kept verbatim, others are filled."""
    out = []
    blocks, current = [], []
    for raw in (text or "").splitlines():
        if raw.strip():
            current.append(raw.rstrip())
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    for block in blocks:
        out.append(".PP")
        if any(l[:1].isspace() for l in block[1:]) or any(l[:1].isspace() for l in block):
            out.append(".nf")
            out.extend(line_safe(esc(l)) for l in block)
            out.append(".fi")
        else:
            out.extend(line_safe(esc(l.strip())) for l in block)
    return out


def text_of(value):
    """`discussion` is a string in ToolInfo v0; newer parsers may send an object with
    a `discussion` string and per-value descriptions. Accept both."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        parts = [value.get("discussion") or value.get("abstract") or ""]
        values = value.get("values") or value.get("allValueDescriptions") or {}
        if isinstance(values, dict):
            parts += ["%s: %s" % (k, v) for k, v in values.items()]
        return "\n".join(p for p in parts if p)
    return str(value)


def visible(arguments):
    return [a for a in arguments or [] if a.get("shouldDisplay", True)]


def flag_name(name):
    kind, n = name.get("kind"), name.get("name", "")
    if kind == "short":
        return "-" + n
    if kind == "longWithSingleDash":
        return "-" + n
    return "--" + n


def arg_label(arg):
    """The term of an OPTIONS entry: `--config <path>`, `-h, --help`, `<store>`."""
    value = arg.get("valueName") or "value"
    if arg.get("kind") == "positional":
        label = "\\fI%s\\fR" % esc(value)
        return label + ("..." if arg.get("isRepeating") else "")
    names = ", ".join("\\fB%s\\fR" % esc(flag_name(n)) for n in arg.get("names") or [])
    if arg.get("kind") == "option":
        names += " \\fI%s\\fR" % esc("<" + value + ">")
    if arg.get("isRepeating"):
        names += " ..."
    return names


def synopsis_item(arg):
    if arg.get("kind") == "positional":
        s = "\\fI%s\\fR" % esc(arg.get("valueName") or "value")
        if arg.get("isRepeating"):
            s += " ..."
    else:
        preferred = arg.get("preferredName") or (arg.get("names") or [{}])[0]
        s = "\\fB%s\\fR" % esc(flag_name(preferred))
        if arg.get("kind") == "option":
            s += " \\fI%s\\fR" % esc("<" + (arg.get("valueName") or "value") + ">")
    return "[" + s + "]" if arg.get("isOptional") else s


def is_builtin(arg):
    names = {n.get("name") for n in arg.get("names") or []}
    return arg.get("kind") == "flag" and bool(names & {"help", "version"}) and names <= {"h", "help", "version"}


def synopsis(path, command):
    items = ["\\fB%s\\fR" % esc(" ".join(path))]
    for arg in visible(command.get("arguments")):
        if not is_builtin(arg):
            items.append(synopsis_item(arg))
    subs = [s for s in subcommands(command)]
    if subs:
        items.append("\\fIcommand\\fR")
    return ".ad l\n" + line_safe(" ".join(items)) + "\n.ad b"


def subcommands(command):
    return [
        s for s in command.get("subcommands") or []
        if s.get("shouldDisplay", True)
        and not (s.get("commandName") == "help" and s.get("abstract") == SYNTHESIZED_HELP_ABSTRACT)
    ]


def options(command):
    out = []
    for arg in visible(command.get("arguments")):
        out.append(".TP")
        out.append(line_safe(arg_label(arg)))
        body = " ".join(p for p in [arg.get("abstract") or "", text_of(arg.get("discussion"))] if p)
        default = arg.get("defaultValue")
        if default not in (None, "", "false") and arg.get("kind") != "flag":
            body += " (default: %s)" % default
        values = arg.get("allValues")
        if values:
            body += " Values: %s." % ", ".join(values)
        out.append(line_safe(esc(body.strip() or " ")))
    return out


def render_subcommands(path, command, out):
    for sub in subcommands(command):
        sub_path = path + [sub["commandName"]]
        out.append('.SS "%s"' % esc(" ".join(sub_path)))
        out.append(synopsis(sub_path, sub))
        if sub.get("abstract"):
            out.append(".PP")
            out.append(line_safe(esc(sub["abstract"])))
        out.extend(paragraphs(text_of(sub.get("discussion"))))
        opts = options(sub)
        if opts:
            out.append(".PP")
            out.append("Options:")
            out.append(".RS")
            out.extend(opts)
            out.append(".RE")
        render_subcommands(sub_path, sub, out)


def render(info, section, version, date):
    command = info["command"]
    name = command["commandName"]
    out = [
        '.\\" Generated by scripts/gen-manpage.py from `%s --experimental-dump-help`; do not edit.' % name,
        '.TH "%s" "%s" "%s" "DropStream %s" "DropStream Manual"' % (name.upper(), section, date, version),
        ".SH NAME",
        "%s \\- %s" % (esc(name), esc((command.get("abstract") or "").rstrip("."))),
        ".SH SYNOPSIS",
        synopsis([name], command),
    ]
    out.append(".SH DESCRIPTION")
    description = paragraphs(text_of(command.get("discussion")))
    out.extend(description or [".PP", esc(command.get("abstract") or "")])
    opts = options(command)
    if opts:
        out.append(".SH OPTIONS")
        out.extend(opts)
    if subcommands(command):
        out.append(".SH COMMANDS")
        render_subcommands([name], command, out)
    out.append(".SH SEE ALSO")
    see_also = {"dropstreamd": "dropstreamctl(1)", "dropstreamctl": "dropstreamd(8)"}.get(name)
    refs = [r for r in [see_also, "systemctl(1)", "journalctl(1)", "systemd.exec(5)"] if r]
    out.append(", ".join("\\fB%s\\fR(%s)" % (esc(r.split("(")[0]), r.split("(")[1][:-1]) for r in refs))
    return "\n".join(out) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("binary")
    parser.add_argument("section")
    parser.add_argument("--version", default="")
    parser.add_argument("--date", default=None)
    parser.add_argument("-o", "--output", default="-")
    args = parser.parse_args()

    try:
        dump = subprocess.run([args.binary, "--experimental-dump-help"], check=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
        info = json.loads(dump.stdout)
        if "command" not in info:
            raise ValueError("no 'command' in the dump")
    except (OSError, subprocess.SubprocessError, ValueError) as error:
        sys.exit("gen-manpage: cannot read the help of %s: %s" % (args.binary, error))

    date = args.date
    if not date:
        epoch = os.environ.get("SOURCE_DATE_EPOCH")
        when = datetime.datetime.fromtimestamp(int(epoch), datetime.timezone.utc) if epoch else datetime.datetime.now(datetime.timezone.utc)
        date = when.strftime("%Y-%m-%d")
    page = render(info, args.section, args.version, date)
    if args.output == "-":
        sys.stdout.write(page)
    else:
        with open(args.output, "w", encoding="utf-8") as f:
            f.write(page)


if __name__ == "__main__":
    main()
