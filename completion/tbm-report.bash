# bash completion for tbm-report(1), installed as
# bash-completion/completions/tbm-report: options, --format values, the
# evaluation file (*.ini) and the output file. Self-contained.

_tbm_report()
{
	local cur prev i w have_ini=""
	COMPREPLY=()
	cur="${COMP_WORDS[COMP_CWORD]}"
	prev=""
	((COMP_CWORD > 0)) && prev="${COMP_WORDS[COMP_CWORD - 1]}"

	case "$prev" in
	--format)
		mapfile -t COMPREPLY < <(compgen -W "md html csv xlsx json" -- "$cur")
		return 0
		;;
	-o)
		compopt -o filenames 2>/dev/null
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		return 0
		;;
	--period)
		local y
		y=$(date +%Y)
		mapfile -t COMPREPLY < <(compgen -W "$((y - 1)) $y $((y - 2))" -- "$cur")
		return 0
		;;
	--from | --to | --cutoff)
		return 0
		;;
	esac

	for ((i = 1; i < COMP_CWORD; i++)); do
		w="${COMP_WORDS[i]}"
		case "$w" in
		--format | -o | --period | --from | --to | --cutoff) ((i++)) ;;
		-*) ;;
		*) have_ini=1 ;;
		esac
	done
	if [[ $cur == -* || -n $have_ini ]]; then
		mapfile -t COMPREPLY < <(compgen -W "--format -o --period --from --to --cutoff --help" -- "$cur")
		return 0
	fi
	# the evaluation file: *.ini, and directories on the way to one
	compopt -o filenames 2>/dev/null
	mapfile -t COMPREPLY < <(compgen -d -- "$cur"; compgen -f -X '!*.ini' -- "$cur")
	return 0
}
complete -F _tbm_report tbm-report
