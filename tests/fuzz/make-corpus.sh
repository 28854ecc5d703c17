#!/usr/bin/env bash
# Regenerates the seed corpus tests/fuzz/corpus/<target>/ from the original's recordings
# (../shared/fixtures/python-chat: cases.json, encoder.json) and from systemd/tcpchatd.conf.
# Its output is committed: run it again only when the fixtures or a target's input format change.
# Needs jq and base64.
set -euo pipefail
cd "$(dirname "$0")/../.."
fixtures=${TCPCHAT_FIXTURES_DIR:-../shared/fixtures/python-chat}
corpus=tests/fuzz/corpus
# Frames larger than this are left out: the targets' limits are a few KiB and the corpus stays
# small; the unit tests replay the long recordings.
largest_frame_bytes=4096

rm -rf "$corpus"
mkdir -p "$corpus"/{frame_decoder,roundtrip,json_input,config_ini}

# `name<TAB>category<TAB>base64` of every recorded frame stream: what each case sent, and the
# encoder vectors that are not also a case.
recorded_streams() {
  jq -r '.[] | [.name, .category, .sent_b64] | @tsv' "$fixtures/cases.json"
  jq -r --slurpfile cases "$fixtures/cases.json" '($cases[0] | map(.name)) as $names |
    .vectors[] | (.name | sub("#.*"; "")) as $name | select($names | index($name) | not) |
    ["encoder_" + .name, (if all(.fields[]; type == "string") then "valid" else "invalid" end),
     .send_b64] | @tsv' "$fixtures/encoder.json"
}

# Writes the byte whose value is $1 (0-255).
byte() { printf '%b' "\\x$(printf %02x "$1")"; }

# The first bytes of frame_decoder and json_input inputs pick the chunk size minus one: these
# give chunks of 1, 7, 64 and 256 bytes in turn.
chunk_prefixes=(0 6 63 255)

i=0
while IFS=$'\t' read -r name category b64; do
  bytes=$(mktemp)
  base64 -d <<<"$b64" >"$bytes"
  if [ "$(stat -c %s "$bytes")" -le "$largest_frame_bytes" ]; then
    { byte "${chunk_prefixes[i % 4]}"; cat "$bytes"; } >"$corpus/frame_decoder/$name"
    i=$((i + 1))
  fi
  # roundtrip, streams with messages: the first two bytes are --max-message-bytes less 64,
  # little-endian. The frame's own announced length, at which a body that grows when re-encoded
  # (compact JSON, escapes) is over the limit, or else the largest limit.
  if [ "$category" = valid ] && [ "$(stat -c %s "$bytes")" -le "$largest_frame_bytes" ]; then
    announced=$(head -n1 "$bytes" | tr -dc 0-9 | sed 's/^0*//')
    limit=65535
    if [ -n "$announced" ] && [ "$announced" -ge 64 ]; then limit=$((announced - 64)); fi
    { byte $((limit % 256)); byte $((limit / 256)); cat "$bytes"; } >"$corpus/roundtrip/$name"
  fi
  rm -f "$bytes"
done < <(recorded_streams)

# json_input: per valid case, its messages as --input json lines with all keys, with the
# message alone, and with a subject; CRLF line ends on every other case.
valid_cases=$(jq -r --argjson most "$largest_frame_bytes" '.[] | select(.category == "valid") |
  select(.expect_messages | tojson | length < $most) | .name' "$fixtures/cases.json")
i=0
for name in $valid_cases; do
  lines=$(jq -r --arg name "$name" '.[] | select(.name == $name) | .expect_messages[] |
    (tojson, ({message} | tojson), ({message, subject} | tojson))' "$fixtures/cases.json")
  {
    byte "${chunk_prefixes[i % 4]}"
    if [ $((i % 2)) -eq 0 ]; then printf '%s\n' "$lines"; else printf '%s\n' "$lines" | sed 's/$/\r/'; fi
  } >"$corpus/json_input/$name"
  i=$((i + 1))
done
# Lines the client refuses, each for another reason, and one over the 1024-byte limit.
{
  byte 6
  printf '%s\n' '{"mesage": "a misspelt key"}' '{"message": 42}' '{"subject": "no message"}' \
    '["not", "an", "object"]' 'not json at all' '' '   ' '{"message": "\u001b[31mred"}' \
    '{"message": "x", "client_name": "@SERVER"}' '{"message": "\ud800"}'
  head -c 1100 /dev/zero | tr '\0' a
  printf '\n{"message": "after the long line"}'
} >"$corpus/json_input/refusals"

# config_ini: the sample file as shipped (every setting commented out), with every setting
# uncommented, then values at and past the edges.
conf=systemd/tcpchatd.conf
cp "$conf" "$corpus/config_ini/sample"
sed 's/^#\([a-z]\)/\1/' "$conf" >"$corpus/config_ini/sample_uncommented"
printf '%s\n' 'bind = ::1' 'bind = 127.0.0.2' 'port = 0' 'max-message-bytes = 64' \
  'max-queue-bytes = 64KiB' 'write-timeout = 10ms' 'idle-timeout = 87600h' 'rate-limit = 2.5' \
  'burst = 100000000' 'history-file = /var/lib/tcpchat/history.jsonl' 'quiet = true' \
  >"$corpus/config_ini/edges"
printf '%s\n' 'max-clients = lots' 'port = 65536' 'max-message-bytes = 63' \
  'frame-timeout = 0' 'log-level = loud' 'no-such-option = 1' '[section]' 'bind = localhost' \
  >"$corpus/config_ini/refusals"

echo "corpus: $(find "$corpus" -type f | wc -l) files, $(du -sh --apparent-size "$corpus" | cut -f1)"
