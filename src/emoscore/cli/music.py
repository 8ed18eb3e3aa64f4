"""``emoscore compose | render | compare | maps | stats | live``: thin wrappers over
:mod:`emoscore.music` and :mod:`emoscore.stats`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from emoscore.errors import ConfigError
from emoscore.music.render import ENGINES as RENDER_ENGINES
from emoscore.timeline import Timeline, read_timeline
from emoscore.vocabulary import COMPOSE_CHOICES, COMPOSE_STYLES, DEFAULT_WINDOW, parse_methods

METHOD_CHOICE = click.Choice(COMPOSE_CHOICES, case_sensitive=False)
ONE_METHOD = click.Choice(COMPOSE_CHOICES[:-1], case_sensitive=False)


def _dumps(obj: Any) -> str:
    return json.dumps(obj, indent=2, ensure_ascii=False)


def get_timeline(path: Path, *, model: str, window: float, hop: float | None) -> Timeline:
    """A timeline JSON as it is, or any audio/video file through the recogniser."""
    if path.suffix.lower() == ".json":
        return read_timeline(path)
    from emoscore.recognize import AnalysisSettings, analyze

    return analyze(path, AnalysisSettings(model=model, window=window, hop=hop))


def _methods(method: str) -> list[str]:
    return [m.value for m in parse_methods(method)]


@click.command()
@click.argument("input", type=click.Path(path_type=Path))
@click.option("--method", type=METHOD_CHOICE, default="both", show_default=True, help="Interval map to use.")
@click.option("--model", default="default", show_default=True, help="Recogniser model (name or bundle path).")
@click.option(
    "--window", type=float, default=DEFAULT_WINDOW, show_default=True, help="Analysis window, seconds."
)
@click.option("--hop", type=float, default=None, help="Hop between windows, seconds (default: the window).")
@click.option("--root", default="C3", show_default=True, help="Root note (name or MIDI number).")
@click.option(
    "--program",
    type=click.IntRange(0, 127),
    default=48,
    show_default=True,
    help="General MIDI program (0-based; 48 = String Ensemble 1).",
)
@click.option(
    "--map",
    "map_files",
    multiple=True,
    type=click.Path(path_type=Path),
    help="A method A or B map file replacing the shipped one (repeatable).",
)
@click.option("--render", is_flag=True, help="Also render each MIDI file to a 44.1 kHz / 24-bit WAV.")
@click.option(
    "--mix", is_flag=True, help="Also mix the music under the original dialogue (implies --render)."
)
@click.option(
    "--video", is_flag=True, help="Also write the video with the scored sound track (implies --mix)."
)
@click.option(
    "--soundfont", type=click.Path(path_type=Path), default=None, help="SoundFont (.sf2) for rendering."
)
@click.option("--duck", type=float, default=-12.0, show_default=True, help="Music level under speech, dB.")
@click.option(
    "--style",
    default="intervals",
    show_default=True,
    metavar="|".join(COMPOSE_STYLES),
    help="intervals: the paper's note pairs per method; sketch: a score sketch (cues, harmony, tempo map, "
    "pad/bass/motif tracks, cue sheet) with intervals from --method (A when both); comma-separate for both.",
)
@click.option(
    "--seed", type=click.IntRange(min=0), default=0, show_default=True, help="Sketch variation seed."
)
@click.option("--cue-min", type=float, default=None, help="Sketch: shortest cue in seconds (default 8).")
@click.option(
    "--rules", "rules_file", type=click.Path(path_type=Path), default=None, help="Sketch rules TOML file."
)
@click.option(
    "-o",
    "--output",
    "outdir",
    type=click.Path(path_type=Path),
    default=Path("."),
    show_default=True,
    help="Output folder.",
)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def compose(
    input: Path,
    method: str,
    model: str,
    window: float,
    hop: float | None,
    root: str,
    program: int,
    map_files: tuple[Path, ...],
    render: bool,
    mix: bool,
    video: bool,
    soundfont: Path | None,
    duck: float,
    style: str,
    seed: int,
    cue_min: float | None,
    rules_file: Path | None,
    outdir: Path,
    fmt: str,
) -> None:
    """Compose interval sequences (methods A and/or B) or a score sketch for INPUT: audio, video or
    a timeline JSON.

    Writes NAME.A.mid / NAME.B.mid (--style sketch: NAME.sketch.mid and the cue sheet NAME.cues.csv)
    and NAME.intervals.json to the output folder; a timeline JSON finds its audio (for
    --mix/--video) relative to its own folder.
    """
    from emoscore.music.scoring import VIDEO_SUFFIXES, ScoreSettings, load_user_maps, score_timeline
    from emoscore.music.sketch_rules import load_sketch_rules

    settings = ScoreSettings(
        methods=method,
        root=root,
        program=program,
        maps=load_user_maps(map_files),
        render=render,
        mix=mix,
        video=video,
        soundfont=soundfont,
        duck=duck,
        style=style,
        seed=seed,
        min_cue=cue_min,
        rules=load_sketch_rules(rules_file) if rules_file is not None else None,
    )
    is_json = input.suffix.lower() == ".json"
    if video and not is_json and input.suffix.lower() not in VIDEO_SUFFIXES:
        raise ConfigError(f"{input}: --video needs a video input ({', '.join(VIDEO_SUFFIXES)})")
    timeline = get_timeline(input, model=model, window=window, hop=hop)
    result = score_timeline(
        timeline, settings, outdir, name=input.stem if not is_json else None, audio=timeline.source_path
    )
    if fmt == "json":
        files = {f"{a.kind}_{a.method}" if a.method else a.kind: str(a.path) for a in result.artefacts}
        if result.engine:
            files["engine"] = result.engine
        click.echo(
            _dumps(
                {
                    "files": files,
                    "methods": {m.value: s.semitones() for m, s in result.scores.items()},
                    "comparison": result.document.get("comparison"),
                    **({"sketch": result.document["sketch"]["cues"]} if result.sketch is not None else {}),
                    **({"notices": list(result.notices)} if result.notices else {}),
                }
            )
        )
        return
    for m, sc in result.scores.items():
        steps = " ".join(st.interval for st in sc.steps)
        click.echo(f"method {m}: {steps or 'rests throughout (no window it can read)'}")
    if result.document.get("comparison"):
        r = result.document["comparison"]["r"]
        click.echo(f"A vs B: r = {'undefined' if r is None else f'{r:.3f}'}")
    if result.sketch is not None:
        for cue in result.sketch.cues:
            click.echo(
                f"{cue.marker}: {cue.start:.1f}-{cue.end:.1f} s, {cue.time_signature}, "
                f"{cue.interval} {' '.join(cue.chords)}"
            )
    for notice in result.notices:
        click.echo(notice)
    for art in result.artefacts:
        click.echo(f"wrote {art.path}")
    if result.engine:
        click.echo(f"rendered with {result.engine}")


@click.command()
@click.argument("midi", type=click.Path(path_type=Path))
@click.option("--soundfont", type=click.Path(path_type=Path), default=None, help="SoundFont (.sf2).")
@click.option(
    "--engine",
    type=click.Choice(RENDER_ENGINES),
    default="auto",
    show_default=True,
    help="auto: FluidSynth when installed, else the built-in synth.",
)
@click.option(
    "-o", "--output", type=click.Path(path_type=Path), default=None, help="WAV (default: MIDI.wav)."
)
def render(midi: Path, soundfont: Path | None, engine: str, output: Path | None) -> None:
    """Render MIDI to a 44.1 kHz / 24-bit WAV."""
    from emoscore.music import render_midi

    r = render_midi(midi, output or midi.with_suffix(".wav"), soundfont=soundfont, engine=engine)
    sf2 = f", {Path(r.soundfont).name}" if r.soundfont else ""
    click.echo(f"wrote {r.path} ({r.duration:.2f} s, {r.sample_rate} Hz, 24-bit; {r.engine}{sf2})")


@click.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--model", default="default", show_default=True, help="Recogniser model (for one audio INPUT).")
@click.option(
    "--window", type=float, default=4.0, show_default=True, help="Analysis window (one audio INPUT)."
)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--plot", type=click.Path(path_type=Path), default=None, help="PNG of both sequences.")
def compare(inputs: tuple[Path, ...], model: str, window: float, fmt: str, plot: Path | None) -> None:
    """Correlate two interval sequences: A.mid B.mid, or one INPUT (audio or timeline JSON) run
    through both methods. Intervals are semitones above the root (0..12); Pearson r and r²."""
    from emoscore.music import compare_sequences, plot_comparison, read_note_pairs
    from emoscore.music import compose as compose_score
    from emoscore.music.midi import NotePair

    if len(inputs) == 2:
        a, b = (read_note_pairs(p) for p in inputs)
        labels = (inputs[0].name, inputs[1].name)
    elif len(inputs) == 1:
        tl = get_timeline(inputs[0], model=model, window=window, hop=None)
        a, b = ([NotePair(s.start, s.end, *s.notes) for s in compose_score(tl, m).steps] for m in "AB")
        labels = ("method A", "method B")
    else:
        raise click.UsageError("give two MIDI files, or one input to run through both methods")
    cmp = compare_sequences(a, b)
    if plot:
        plot_comparison(cmp, plot, labels=labels)
    if fmt == "json":
        click.echo(_dumps({"a": labels[0], "b": labels[1], **cmp.to_dict()}))
        return
    r = "undefined (a sequence is constant)" if cmp.r is None else f"{cmp.r:.3f}"
    r2 = "" if cmp.r2 is None else f", r² = {cmp.r2:.3f}"
    click.echo(f"{labels[0]}: {' '.join(map(str, cmp.a))}")
    click.echo(f"{labels[1]}: {' '.join(map(str, cmp.b))}")
    click.echo(f"n = {len(cmp.times)}, r = {r}{r2}, same interval in {cmp.agreement:.0%} of windows")


@click.group()
def maps() -> None:
    """Show or plot the interval maps of methods A and B."""


@maps.command("show")
@click.option("--method", type=METHOD_CHOICE, default="both", show_default=True)
@click.option(
    "--map", "map_file", type=click.Path(path_type=Path), default=None, help="A user map file to check."
)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def maps_show(method: str, map_file: Path | None, fmt: str) -> None:
    """Print the interval table, the CC numbers and the maps (validating them)."""
    from emoscore.music.maps import load_interval_table, load_map, map_method, maps_document

    table = load_interval_table()
    methods = [map_method(map_file)] if map_file else _methods(method)
    doc = maps_document({m: load_map(m, map_file) for m in methods}, table)
    if fmt == "json":
        click.echo(_dumps(doc))
        return
    click.echo("intervals (semitones above the root):")
    for i in table.intervals:
        click.echo(f"  {i.semitones:2d}  {i.short:3s} {i.name:12s} {i.quality:8s} {i.feeling}")
    click.echo("CC numbers (value = round(p * 127)): " + ", ".join(f"{k} {v}" for k, v in table.cc.items()))
    if "B" in doc:
        click.echo(f"method B ({doc['B']['origin']}):")
        for k, v in doc["B"]["emotions"].items():
            click.echo(f"  {k:10s} -> {v}")
    if "A" in doc:
        click.echo(f"method A ({doc['A']['origin']}): region -> interval")
        for r in doc["A"]["regions"]:
            d = "" if r["dominance"] == [0.0, 1.0] else f"  D {r['dominance'][0]:g}-{r['dominance'][1]:g}"
            click.echo(
                f"  V {r['valence'][0]:g}-{r['valence'][1]:g}  A {r['arousal'][0]:g}-{r['arousal'][1]:g}"
                f"{d}  -> {r['interval']}"
            )


@maps.command("plot")
@click.option("--method", type=ONE_METHOD, default="A", show_default=True)
@click.option("--map", "map_file", type=click.Path(path_type=Path), default=None, help="A user map file.")
@click.option(
    "-o", "--output", type=click.Path(path_type=Path), default=Path("method_a.png"), show_default=True
)
def maps_plot(method: str, map_file: Path | None, output: Path) -> None:
    """Plot method A's valence/arousal regions (or method B's emotions) with their intervals."""
    from emoscore.music.maps import RegionMap, load_map, map_method, plot_emotion_map, plot_region_map
    from emoscore.taxonomy import load_taxonomy

    m = map_method(map_file) if map_file else method.upper()
    mp = load_map(m, map_file)
    points = load_taxonomy().vad
    if isinstance(mp, RegionMap):
        plot_region_map(mp, output, points=points)
    else:
        plot_emotion_map(mp, output, points=points)
    click.echo(f"wrote {output}")


@click.command()
@click.argument("ratings", type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--plot", type=click.Path(path_type=Path), default=None, help="Box plot PNG of the ratings.")
def stats(ratings: Path, fmt: str, plot: Path | None) -> None:
    """Listening-test statistics from a scene,rating CSV (ratings -60..60, negative favours A)."""
    from emoscore.stats import plot_ratings, read_ratings, scene_stats

    data = read_ratings(ratings)
    rows = scene_stats(data)
    if plot:
        plot_ratings(data, plot)
    if fmt == "json":
        click.echo(_dumps({"scenes": [r.to_dict() for r in rows]}))
        return
    click.echo(f"{'scene':>8} {'n':>4} {'mean':>8} {'sd':>8} {'se':>7} {'t':>7} {'df':>4} {'p':>7}  favours")
    for r in rows:
        t = "-" if r.t is None else f"{r.t:.2f}"
        p = "-" if r.p is None else f"{r.p:.3f}"
        fav = "A" if r.mean < 0 else "B" if r.mean > 0 else "-"
        sig = " *" if r.p is not None and r.p < 0.05 else ""
        click.echo(
            f"{r.scene:>8} {r.n:>4} {r.mean:>8.2f} {r.sd:>8.2f} {r.se:>7.2f} {t:>7} {r.df:>4} {p:>7}"
            f"  {fav}{sig}"
        )
    if plot:
        click.echo(f"wrote {plot}")


@click.command()
@click.option(
    "--input",
    "input_path",
    type=click.Path(path_type=Path),
    default=None,
    help="Audio, video or timeline JSON to play in real time.",
)
@click.option("--mic", is_flag=True, help="Analyse the default microphone instead.")
@click.option("--midi-port", default=None, help="MIDI output port name (see --list-ports).")
@click.option("--list-ports", is_flag=True, help="List MIDI output ports and exit.")
@click.option("--method", type=ONE_METHOD, default="A", show_default=True)
@click.option("--map", "map_file", type=click.Path(path_type=Path), default=None, help="A user map file.")
@click.option("--model", default="default", show_default=True)
@click.option("--window", type=float, default=4.0, show_default=True)
@click.option("--root", default="C3", show_default=True)
@click.option("--program", type=click.IntRange(0, 127), default=48, show_default=True)
def live(
    input_path: Path | None,
    mic: bool,
    midi_port: str | None,
    list_ports: bool,
    method: str,
    map_file: Path | None,
    model: str,
    window: float,
    root: str,
    program: int,
) -> None:
    """Send each window's interval and CCs to a MIDI port as the window completes."""
    from emoscore.music import live as lv
    from emoscore.music.maps import load_map
    from emoscore.music.score import parse_root

    if list_ports:
        names = lv.list_output_ports()
        click.echo(
            "\n".join(names) if names else "no MIDI output ports (no MIDI sequencer or interface found)"
        )
        return
    if (input_path is None) == (not mic):
        raise click.UsageError("give exactly one of --input FILE or --mic")
    if not midi_port:
        raise click.UsageError("--midi-port NAME is required (see --list-ports)")
    m = method.upper()
    mapping = load_map(m, map_file)
    note = parse_root(root)
    port = lv.open_output_port(midi_port)  # fail before a long analysis

    def show(step: Any) -> None:
        click.echo(f"{step.start:8.2f}-{step.end:.2f} s  {step.interval:3s} {step.emotion}")

    with port:
        if input_path is not None:
            tl = get_timeline(input_path, model=model, window=window, hop=None)
            steps = lv.steps_from_timeline(tl, m, mapping=mapping, root=note)
        else:
            from emoscore.recognize import analyze_file

            steps = lv.steps_from_blocks(
                lv.microphone_blocks(),
                16_000,
                window=window,
                method=m,
                mapping=mapping,
                root=note,
                analyze=lambda p: analyze_file(p, model=model, window=window),
            )
        report = lv.play_live(steps, port, program=program, on_step=show)
    click.echo(
        f"sent {report.messages} messages for {report.windows} windows "
        f"(latest {report.max_late * 1000:.0f} ms behind schedule)"
    )
