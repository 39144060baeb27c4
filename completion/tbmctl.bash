# bash completion for tbmctl(1), installed as bash-completion/completions/tbmctl.
# Commands and their options; fault and safety-event ids, device ids from
# `tbmctl faults|incidents|status --json` (with the -c or -d given on the line).
# Self-contained: it does not need bash-completion's helper functions.

# _tbmctl_run ARGS...: tbmctl with the -c/-d of the command line being completed.
_tbmctl_run()
{
	"${_tbmctl_prog:-tbmctl}" "${_tbmctl_global[@]}" "$@" 2>/dev/null
}

# The values of the "id" keys of a tbmctl JSON answer (cJSON prints
# '"id":<tab>12' or '"id":"cnc-01"'), one per line.
_tbmctl_ids()
{
	sed -n 's/.*"id":[[:space:]]*"\{0,1\}\([^",]*\)"\{0,1\},\{0,1\}[[:space:]]*$/\1/p'
}

_tbmctl()
{
	local cur prev cmd i w npos=0 opts=""
	local -a _tbmctl_global=()
	local _tbmctl_prog="${COMP_WORDS[0]}"
	COMPREPLY=()
	cur="${COMP_WORDS[COMP_CWORD]}"
	prev=""
	((COMP_CWORD > 0)) && prev="${COMP_WORDS[COMP_CWORD - 1]}"

	# The global options, the command, and how many positional arguments
	# the command already has (options that take a value are skipped).
	cmd=""
	for ((i = 1; i < COMP_CWORD; i++)); do
		w="${COMP_WORDS[i]}"
		if [[ -z $cmd ]]; then
			case "$w" in
			-c | -d)
				((i + 1 < COMP_CWORD)) && _tbmctl_global+=("$w" "${COMP_WORDS[i + 1]}")
				((i++))
				;;
			-*) ;;
			*) cmd="$w" ;;
			esac
			continue
		fi
		case "$w" in
		--device | --from | --to | --by | --note | --action | --parts | --at | \
		--reason | --kind | --year | --month | --cutoff | --normal | --role | --display | --lab | \
		--os-user | --password-file)
			((i++))
			;;
		-*) ;;
		*) ((npos++)) ;;
		esac
	done

	if [[ -z $cmd ]]; then
		case "$prev" in
		-c | -d)
			compopt -o filenames 2>/dev/null
			mapfile -t COMPREPLY < <(compgen -f -- "$cur")
			return 0
			;;
		esac
		if [[ $cur == -* ]]; then
			mapfile -t COMPREPLY < <(compgen -W "-c -d --help" -- "$cur")
		else
			mapfile -t COMPREPLY < <(compgen -W "status faults show ack repair dismiss
			    report incidents classify amend reopen indicators top verify user" -- "$cur")
		fi
		return 0
	fi

	case "$prev" in
	--device)
		mapfile -t COMPREPLY < <(compgen -W "$(_tbmctl_run status --json |
		    sed -n '/"devices"/,$p' | _tbmctl_ids)" -- "$cur")
		return 0
		;;
	--kind)
		mapfile -t COMPREPLY < <(compgen -W "fault safety" -- "$cur")
		return 0
		;;
	--lab)
		# the labs of the base's devices (status --json has them)
		local IFS=$'\n'
		mapfile -t COMPREPLY < <(compgen -W "$(_tbmctl_run status --json | sed -n 's/.*"lab":[[:space:]]*"\([^"]*\)".*/\1/p' | sort -u)" -- "$cur")
		return 0
		;;
	--year)
		local y
		y=$(date +%Y)
		mapfile -t COMPREPLY < <(compgen -W "$y $((y - 1)) $((y - 2))" -- "$cur")
		return 0
		;;
	--role)
		mapfile -t COMPREPLY < <(compgen -W "viewer technician manager" -- "$cur")
		return 0
		;;
	--password-file)
		compopt -o filenames 2>/dev/null
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		return 0
		;;
	--by)
		# top ranks by these; elsewhere --by names an account
		[[ $cmd == top ]] && mapfile -t COMPREPLY < <(compgen -W "device label lab" -- "$cur")
		return 0
		;;
	--note | --action | --parts | --reason | --from | --to | --at | \
	--cutoff | --normal | --display | --os-user | --month)
		return 0
		;;
	esac

	case "$cmd" in
	status) opts="--json" ;;
	faults) opts="--open --all --device --lab --year --month --from --to --json" ;;
	show) opts="--json" ;;
	ack) opts="--by --note --json" ;;
	repair) opts="--by --action --parts --at --json" ;;
	dismiss) opts="--by --reason --json" ;;
	report) opts="--by --note --kind --at --json" ;;
	incidents) opts="--lab --year --month --from --to --json" ;;
	classify) opts="--by --note --json" ;;
	indicators) opts="--year --month --from --to --lab --cutoff --normal --json" ;;
	top) opts="--year --month --from --to --by --lab --json" ;;
	amend) opts="--action --parts --at --note --reason --by --json" ;;
	reopen) opts="--reason --by --json" ;;
	verify) opts="--json" ;;
	user)
		# the subcommand is the first word after "user"
		local sub=""
		((COMP_CWORD > 2)) && for ((i = 1; i < COMP_CWORD; i++)); do
			[[ ${COMP_WORDS[i]} == user ]] && sub="${COMP_WORDS[i + 1]}" && break
		done
		[[ $sub == "$cur" ]] && sub=""
		case "$sub" in
		add) opts="--role --display --lab --os-user --password-file --no-password --by" ;;
		list) opts="--json" ;;
		passwd) opts="--password-file --by" ;;
		key) opts="--revoke --by" ;;
		disable | enable) opts="--by" ;;
		*) opts="add list passwd key disable enable" ;;
		esac
		;;
	*) return 0 ;;
	esac
	if [[ $cur == -* ]]; then
		mapfile -t COMPREPLY < <(compgen -W "$opts" -- "$cur")
		return 0
	fi

	case "$cmd:$npos" in
	ack:0 | repair:0 | dismiss:0 | amend:0 | reopen:0)
		# what still needs people
		mapfile -t COMPREPLY < <(compgen -W "$(_tbmctl_run faults --json | _tbmctl_ids)" -- "$cur")
		;;
	show:0)
		mapfile -t COMPREPLY < <(compgen -W "$(_tbmctl_run faults --all --json | _tbmctl_ids)" -- "$cur")
		;;
	classify:0)
		mapfile -t COMPREPLY < <(compgen -W "$(_tbmctl_run incidents --json | _tbmctl_ids)" -- "$cur")
		;;
	classify:1)
		mapfile -t COMPREPLY < <(compgen -W "accident near-miss drill none" -- "$cur")
		;;
	report:0)
		mapfile -t COMPREPLY < <(compgen -W "$(_tbmctl_run status --json |
		    sed -n '/"devices"/,$p' | _tbmctl_ids)" -- "$cur")
		;;
	*)
		mapfile -t COMPREPLY < <(compgen -W "$opts" -- "$cur")
		;;
	esac
	return 0
}
complete -F _tbmctl tbmctl
