"""`spec-kitty`: an invoke Program over the package's task namespace, usable from any directory.

Beyond invoke's parsing it speaks spec-kitty 2.x's spelling of the commands (see aliases.py),
and takes `--help`/`-h` anywhere after a task as a request for that task's help, never as the
value of its positional argument.
"""

import re
import sys
from contextlib import contextmanager, redirect_stdout

from invoke import Exit, ParseError, Parser, Program
from invoke.parser import ParserContext
from invoke.util import helpline

from spec_kitty import __version__
from spec_kitty.jsonl import ScriptError, silence_stdout
from spec_kitty.tasks import build_namespace
from spec_kitty.tasks.base import SHORT_FLAGS

HELP_FLAGS = ("--help", "-h")
# The program's own short flags. invoke's others (-f --config, -e --echo, -w --warn-only,
# -d --debug, -l --list, ...) would catch a short flag a task does not have (`board -f 001`) and
# mean something else by it.
CORE_SHORT_FLAGS = {"help": "h", "version": "V"}


class KittyProgram(Program):
    def core_args(self):
        args = super().core_args()
        for arg in args:
            short = CORE_SHORT_FLAGS.get(arg.names[0])
            arg.names = (arg.names[0], short) if short else arg.names[:1]
        return args

    def parse_core(self, argv):
        with _usage_errors(self.argv if argv is None else argv):
            super().parse_core(argv)
        # invoke stops bytecode caching so a project's tasks.py leaves no .pyc behind; spec-kitty
        # loads no tasks.py, and recompiling its own modules on every run costs ~20 ms.
        sys.dont_write_bytecode = False

    def parse_core_args(self):
        super().parse_core_args()
        helped = self.args.help.value
        if isinstance(helped, str) and helped not in self.namespace.tasks:
            # `spec-kitty --help sync now`: the core parser took `sync` as --help's value.
            self._help_for_spelling([helped, *self.core.unparsed])
        elif self.core.unparsed:
            self._resolve_task(self.core.unparsed)

    def parse_tasks(self):
        with _usage_errors(self.argv):
            super().parse_tasks()

    def _make_parser(self) -> Parser:
        """invoke's parser deep-copies the context of every task it is given on each parse, and
        building them reads every task's signature; it is given the tasks named on the command
        line (nearly always one), or every task when none is named, so its errors are its own."""
        tokens = set(self.core.unparsed)
        named = {
            name: aliases
            for name, aliases in self.collection.task_names.items()
            if name in tokens or tokens.intersection(aliases)
        }
        if not named:
            return super()._make_parser()
        ignore = self.config.tasks.ignore_unknown_help
        contexts = [
            ParserContext(
                name=name,
                aliases=aliases,
                args=self.collection[name].get_arguments(ignore_unknown_help=ignore),
            )
            for name, aliases in named.items()
        ]
        return Parser(initial=self.initial_context, contexts=contexts)

    def print_task_help(self, name):
        super().print_task_help(name)
        spelled = _aliases().aliases_of(name)
        if not spelled:
            return
        print("spec-kitty 2.x spelling (the same task and flags):")
        for alias in spelled:
            print(f"{self.leading_indent}spec-kitty {alias.spelling}")
            for flag, ours in alias.renamed.items():
                meaning = f"means {ours}" if ours else f"what {name} always does"
                print(f"{self.leading_indent * 2}{flag}: accepted, {meaning}")
            for flag, why in alias.refused.items():
                print(f"{self.leading_indent * 2}{flag}: not accepted; {why}")
        print("")

    def list_tasks(self):
        super().list_tasks()
        if self.list_format != "json" and not self.list_root:
            print("spec-kitty 2.x spellings (the same task, with its flags):\n")
            self.print_columns(
                [(alias.spelling, f"= {alias.task}") for alias in _aliases().ALIASES]
            )

    def _resolve_task(self, tokens: list[str]) -> None:
        """Rewrite the task part of argv from a 2.x spelling; turn `TASK ... --help` into help."""
        found = None if tokens[0] in self.namespace.tasks else _aliases().match(tokens)
        if found and not found.alias:
            self._offer(found.words, found.rest)
        name, rest = (found.alias.task, found.rest) if found else (tokens[0], tokens[1:])
        if name not in self.namespace.tasks:
            return  # invoke names it: "No idea what ... is!"
        context = task_context(self.namespace, name)
        if found:
            rest = _aliases().translate(
                found.alias, rest, lambda token: _takes_value(context, token)
            )
        if _asks_help(context, rest):
            self.args.help.value = name
            self.core.unparsed = []
        else:
            self.core.unparsed = [name, *rest]

    def _help_for_spelling(self, words: list[str]) -> None:
        found = _aliases().match(words)
        if found and found.alias:
            self.args.help.value = found.alias.task
            self.core.unparsed = []
        elif found:
            self._offer(found.words, [], asked=True)

    def _offer(self, group: tuple[str, ...], rest: list[str], asked: bool = False) -> None:
        """A group of 2.x spellings given without its last word: list what it offers. Asked
        for (`spec-kitty sync --help`) that is the answer; otherwise a usage error."""
        asked = asked or bool(rest and rest[0] in HELP_FLAGS)
        spelled = " ".join(group)
        with redirect_stdout(sys.stdout if asked else sys.stderr):
            print(f"spec-kitty {spelled} offers:\n")
            self.print_columns(
                [
                    (alias.spelling, f"= {alias.task}: {helpline(self.namespace[alias.task])}")
                    for alias in _aliases().offered(group)
                ]
            )
        if asked:
            raise Exit
        words = _aliases().next_words(group)
        if rest and not rest[0].startswith("-"):
            raise Exit(
                f"spec-kitty {spelled}: no {rest[0]!r} here; name one of: {', '.join(words)}", 2
            )
        example = f"spec-kitty {spelled} {words[0]} --help"
        raise Exit(f"spec-kitty {spelled}: name one of: {', '.join(words)} (e.g. `{example}`)", 2)


def _aliases():
    """The table of 2.x spellings, loaded when a command line or its help needs it: a command
    spelled our way never does, and building the table cost each one ~2 ms."""
    from spec_kitty.tasks import aliases

    return aliases


def task_context(namespace, name: str) -> ParserContext:
    task = namespace[name]
    # get_arguments consumes the task's help strings; the task's own --help needs them later.
    kept = dict(task.help)
    try:
        return ParserContext(name=name, args=task.get_arguments())
    finally:
        task.help = kept


def _takes_value(context: ParserContext, token: str) -> bool:
    return token in context.flags and context.flags[token].takes_value


def _asks_help(context: ParserContext, tokens: list[str]) -> bool:
    """Whether `--help`/`-h` stands where a flag of this task could (not as a flag's value), up
    to where the task's arguments end and a next task would begin."""
    positionals = len(context.positional_args)
    value_next = False
    for token in tokens:
        if value_next:
            value_next = False
        elif token in HELP_FLAGS and token not in context.flags:
            return True
        elif token.startswith("-"):
            value_next = "=" not in token and _takes_value(context, token)
        elif positionals:
            positionals -= 1
        else:
            return False
    return False


@contextmanager
def _usage_errors(argv: list[str]):
    """Parse failures end as one line and exit 2 (usage), like the scripts' argparse errors."""
    try:
        yield
    except ScriptError as exc:
        raise Exit(str(exc), exc.exit_code) from None
    except ParseError as exc:
        hint = "see `spec-kitty --list` and `spec-kitty --help TASK`"
        if re.fullmatch(r"No idea what '-\w' is!", str(exc)):
            shorts = ", ".join(f"-{short}" for short in sorted(SHORT_FLAGS.values()))
            hint = f"the short flags are {shorts}; spell others out: `spec-kitty --help TASK`"
        raise Exit(f"spec-kitty: {exc} ({hint})", 2) from None
    except ValueError as exc:
        # invoke converts int and float options while parsing; name the flag whose value failed.
        value = str(exc).rpartition(": ")[2].strip("'")
        expected = "a number" if "float" in str(exc) else "a whole number"
        flag = _flag_of(argv, value)
        raise Exit(f"spec-kitty: {flag} expects {expected}, got {value!r}", 2) from None


def _flag_of(argv: list[str], value: str) -> str:
    for before, token in zip(["", *argv], argv, strict=False):
        if token == value and before.startswith("-"):
            return before
        if token.startswith("-") and token.endswith(f"={value}"):
            return token.partition("=")[0]
    return "an option"


def spec_kitty_program() -> KittyProgram:
    return KittyProgram(
        name="spec-kitty", binary="spec-kitty", version=__version__, namespace=build_namespace()
    )


def main() -> None:
    program = spec_kitty_program()
    try:
        program.run()
        sys.stdout.flush()
    except BrokenPipeError:
        # `spec-kitty board | head`: the reader left; that is not an error.
        silence_stdout()
