# Does this bench run measure budgets 6–9 (the release app)? Always at full scale; with
# --quick only when --desk is given; --desk-only measures only them. The bench's own
# options (crates/bench/src/main.rs) follow the same rule.
bench_runs_desk() {
  local a quick=0
  for a in "$@"; do
    case "$a" in
      --desk | --desk-only) return 0 ;;
      --quick) quick=1 ;;
    esac
  done
  [ "$quick" -eq 0 ]
}
