# bash completion for `lab` (nslab). Installed to share/bash-completion/completions/lab, where
# bash-completion loads it on the first `lab <TAB>`; or `source` it from ~/.bashrc.
# Lab names come from the state directory (NSLAB_RUN_DIR, as the engine reads it), node names
# from `lab status LAB`, so completion never needs root for labs and never parses JSON in bash.

_lab_labs() {
    local dir=${NSLAB_RUN_DIR:-/run/nslab} d
    for d in "$dir"/*/; do
        [[ -d $d ]] && basename -- "$d"
    done
}

# Node names: the first column of `lab status LAB` rows after the two header lines (rows that
# continue a node's interface list start with spaces).
_lab_nodes() {
    "$_lab_cmd" status "$1" 2>/dev/null | awk 'NR > 2 && /^[a-z]/ { print $1 }'
}

_lab_files() {  # topology files and directories to descend into
    compopt -o filenames 2>/dev/null
    COMPREPLY+=($(compgen -f -X '!*.json' -- "$cur") $(compgen -d -- "$cur"))
}

_lab() {
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
    local _lab_cmd=${COMP_WORDS[0]}
    local commands="up status exec shell ping pingall link node apply capture graph down validate plan clean gen"
    COMPREPLY=()
    if ((COMP_CWORD == 1)); then
        COMPREPLY=($(compgen -W "$commands --help" -- "$cur"))
        return
    fi
    local cmd=${COMP_WORDS[1]} i
    # Positionals typed so far (options and their values skipped), and whether `--` was seen.
    local -a pos=()
    local dashdash=0
    for ((i = 2; i < COMP_CWORD; i++)); do
        case ${COMP_WORDS[i]} in
            --) dashdash=1 ;;
            --name | --format | -o | --output | --exec-timeout | --timeout | --gen | --fanout | -w | --write | -c | --count) ((i++)) ;;
            -*) ;;
            *) pos+=("${COMP_WORDS[i]}") ;;
        esac
    done
    if ((dashdash)); then  # `lab exec LAB NODE -- CMD`: complete the command
        COMPREPLY=($(compgen -c -- "$cur"))
        return
    fi
    case $prev in
        --format) COMPREPLY=($(compgen -W "dot mermaid svg html" -- "$cur")); return ;;
        -o | --output | -w | --write) compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "$cur")); return ;;
        --name | --exec-timeout | --timeout | --gen | --fanout | -c | --count) return ;;
    esac
    if [[ $cur == -* ]]; then
        local opts="--help"
        case $cmd in
            up) opts+=" --name --gen --hosts --partition --hold --exec-timeout --quiet --json" ;;
            status) opts+=" --routes --json" ;;
            exec) opts+=" --json" ;;
            capture) opts+=" --write --count --timeout" ;;
            ping | pingall) opts+=" -4 -6 --timeout" ;;
            graph) opts+=" --format --output --name" ;;
            down) opts+=" --all" ;;
            validate) opts+=" --name" ;;
            plan) opts+=" --hosts --name --json" ;;
            gen) opts+=" --routed --fanout --name" ;;
            node) opts+=" --json" ;;
            apply) opts+=" --dry-run --json" ;;
        esac
        COMPREPLY=($(compgen -W "$opts" -- "$cur"))
        return
    fi
    local labs
    labs=$(_lab_labs)
    case $cmd in
        up | validate | plan) _lab_files ;;
        graph) ((${#pos[@]} == 0)) && { COMPREPLY=($(compgen -W "$labs" -- "$cur")); _lab_files; } ;;
        status | down | pingall) ((${#pos[@]} == 0)) && COMPREPLY=($(compgen -W "$labs" -- "$cur")) ;;
        exec | shell | ping | link | capture)
            # [LAB] NODE...: after a lab name come its nodes; first, lab names or the nodes
            # of the only lab running (LAB may be left out then).
            local lab="" nodes="" first=0 max=1
            if ((${#pos[@]} > 0)) && grep -qxF -- "${pos[0]}" <<<"$labs"; then
                lab=${pos[0]}
                pos=("${pos[@]:1}")
            else
                (($(wc -w <<<"$labs") == 1)) && lab=$labs
                ((${#pos[@]} == 0)) && first=1
            fi
            [[ $cmd == ping ]] && max=2
            if [[ $cmd == link ]] && ((${#pos[@]} == 1)); then
                COMPREPLY=($(compgen -W "up down show set" -- "$cur"))
            elif ((${#pos[@]} < max)); then
                [[ -n $lab ]] && nodes=$(_lab_nodes "$lab")
                if [[ $cmd == link || $cmd == capture ]]; then
                    compopt -o nospace 2>/dev/null  # NODE:IFACE: the user types the interface
                    COMPREPLY=($(compgen -W "$nodes" -S : -- "$cur"))
                else
                    COMPREPLY=($(compgen -W "$nodes" -- "$cur"))
                fi
                ((first)) && COMPREPLY+=($(compgen -W "$labs" -- "$cur"))
            fi
            ;;
        gen) ((${#pos[@]} == 0)) && COMPREPLY=($(compgen -W "single linear tree line ring star mesh" -- "$cur")) ;;
        node)
            # node add|rm [LAB] NAME: the verb, then a lab; rm then takes one of its nodes.
            if ((${#pos[@]} == 0)); then
                COMPREPLY=($(compgen -W "add rm" -- "$cur"))
            elif ((${#pos[@]} == 1)); then
                COMPREPLY=($(compgen -W "$labs" -- "$cur"))
            elif ((${#pos[@]} == 2)) && [[ ${pos[0]} == rm ]]; then
                COMPREPLY=($(compgen -W "$(_lab_nodes "${pos[1]}")" -- "$cur"))
            fi
            ;;
        apply)
            if ((${#pos[@]} == 0)); then
                COMPREPLY=($(compgen -W "$labs" -- "$cur"))
                _lab_files
            elif ((${#pos[@]} == 1)); then
                _lab_files
            fi
            ;;
    esac
}

complete -F _lab lab
