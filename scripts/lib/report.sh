# Sourced by the measuring scripts (benchmarks.sh, cpu-per-request.sh): reducing repetitions and writing the result
# into docs/.

# median_stdin: the median of the numbers on standard input, one per line (0 when there are none).
median_stdin() {
  sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print 0; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# splice_block NAME BLOCK DOC: replaces what lies between DOC's `<!-- NAME:begin -->` and `<!-- NAME:end -->` markers
# with the file BLOCK.
splice_block() {
  local name=$1 block=$2 doc=$3
  awk -v block="$block" -v begin="<!-- $name:begin -->" -v end="<!-- $name:end -->" '
    index($0, end) { while ((getline line < block) > 0) print line; skip = 0 }
    !skip { print }
    index($0, begin) { skip = 1 }' "$doc" > "$doc.new"
  mv "$doc.new" "$doc"
}
