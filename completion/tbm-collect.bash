# bash completion for tbm-collect(8), installed as
# bash-completion/completions/tbm-collect: options, the status command and
# its --json, the configuration file (*.conf). Self-contained.

_tbm_collect()
{
	local cur prev i w status="" check=""
	COMPREPLY=()
	cur="${COMP_WORDS[COMP_CWORD]}"
	prev=""
	((COMP_CWORD > 0)) && prev="${COMP_WORDS[COMP_CWORD - 1]}"

	if [[ $prev == -c ]]; then
		# the configuration: *.conf, and directories on the way to one
		compopt -o filenames 2>/dev/null
		mapfile -t COMPREPLY < <(compgen -d -- "$cur"; compgen -f -X '!*.conf' -- "$cur")
		return 0
	fi
	for ((i = 1; i < COMP_CWORD; i++)); do
		w="${COMP_WORDS[i]}"
		case "$w" in
		-c) ((i++)) ;;
		-n) check=1 ;;
		status) status=1 ;;
		esac
	done
	if [[ -n $status ]]; then
		mapfile -t COMPREPLY < <(compgen -W "--json -c" -- "$cur")
	elif [[ -n $check ]]; then
		mapfile -t COMPREPLY < <(compgen -W "-c" -- "$cur")
	elif [[ $cur == -* ]]; then
		mapfile -t COMPREPLY < <(compgen -W "-c -n --help" -- "$cur")
	else
		mapfile -t COMPREPLY < <(compgen -W "status" -- "$cur")
	fi
	return 0
}
complete -F _tbm_collect tbm-collect
