#!/usr/bin/env bash
# Generates agentgate's voice prompts from prompts.tsv with a speech synthesiser.
#
# Run:   sounds/make-prompts.sh            (every prompt, every language)
#        sounds/make-prompts.sh login-ok   (only the prompts named)
# Needs: espeak-ng and sox (Debian: apt-get install espeak-ng sox).
#
# Output: sounds/<lang>/agentgate/<name>.wav, one per row and language column of prompts.tsv,
# as Asterisk's format_wav wants them: PCM, 8000 Hz, 16-bit signed, mono. The generated files
# are committed, so neither CI nor an install needs espeak-ng.
#
# Studio recordings: record the text of prompts.tsv and save each take as
# sounds/<lang>/agentgate/<name>.wav in the same format (e.g. `sox take.wav -r 8000 -c 1 -b 16
# <name>.wav`), replacing the synthetic file of the same name. Do not run this script
# afterwards without naming prompts, or it overwrites the recordings.
#
# Adding a language: add a column to prompts.tsv whose header is the Asterisk language folder
# (e.g. es), and a voice for it in voice_for below.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
table="$here/prompts.tsv"
rate_wpm="${PROMPT_WPM:-150}"

voice_for() {
  case "$1" in
    pt_BR) echo pt-br ;;
    en) echo en-us ;;
    *) echo "make-prompts: no espeak-ng voice configured for language '$1'" >&2; return 1 ;;
  esac
}

for tool in espeak-ng sox; do
  command -v "$tool" >/dev/null || { echo "make-prompts: $tool is not installed" >&2; exit 1; }
done

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

declare -A wanted=()
for n in "$@"; do
  if ! tail -n +2 "$table" | cut -f1 | grep -qxF -- "$n"; then
    echo "make-prompts: no prompt named '$n' in $table" >&2; exit 1
  fi
  wanted["$n"]=1
done

# Tabs become \x1f before splitting: bash would merge runs of tabs and hide an empty cell.
split_row() { local line="${1%$'\r'}"; IFS=$'\x1f' read -r -a "$2" <<< "${line//$'\t'/$'\x1f'}"; }

IFS= read -r header_line < "$table"
split_row "$header_line" header
if [[ "${header[0]:-}" != name || ${#header[@]} -lt 2 ]]; then
  echo "make-prompts: $table must start with a header 'name<TAB><lang>...'" >&2
  exit 1
fi
langs=("${header[@]:1}")
for lang in "${langs[@]}"; do voice_for "$lang" >/dev/null; done

count=0
while IFS= read -r line; do
  split_row "$line" row
  name="${row[0]:-}"
  [[ -z "$name" ]] && continue
  if [[ ! "$name" =~ ^[a-z0-9-]+$ ]]; then
    echo "make-prompts: bad prompt name '$name' in $table" >&2; exit 1
  fi
  if [[ $# -gt 0 && -z "${wanted[$name]:-}" ]]; then continue; fi
  for i in "${!langs[@]}"; do
    lang="${langs[$i]}"
    text="${row[$((i + 1))]:-}"
    if [[ -z "$text" ]]; then
      echo "make-prompts: '$name' has no $lang text in $table" >&2; exit 1
    fi
    out="$here/$lang/agentgate/$name.wav"
    mkdir -p "$(dirname "$out")"
    espeak-ng -v "$(voice_for "$lang")" -s "$rate_wpm" -w "$tmp/raw.wav" -- "$text"
    # -R: repeatable dither, so regenerating unchanged text gives identical files.
    # highpass: telephone lines drop the lows anyway; gain -n -3: peak at -3 dBFS;
    # pad: a short breath of silence before and after the words.
    sox -R "$tmp/raw.wav" -r 8000 -c 1 -b 16 -e signed-integer "$out" \
      highpass 120 gain -n -3 pad 0.15 0.25
    count=$((count + 1))
  done
done < <(tail -n +2 "$table")

echo "make-prompts: wrote $count files under $here/{$(IFS=,; echo "${langs[*]}")}/agentgate"
