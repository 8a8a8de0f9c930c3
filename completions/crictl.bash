# bash completion for crictl. Needs only bash: source it, or install it as
# /usr/share/bash-completion/completions/crictl. Nothing typed on the line or
# printed by crictl is evaluated.
_crictl_complete() {
	COMPREPLY=()
	# Rejoin what bash split at COMP_WORDBREAKS ("--output=json",
	# "busybox:1.36"): a word with no blank before it in the line belongs to
	# the previous one.
	local line=${COMP_LINE:0:COMP_POINT} words=() i w rest
	for ((i = 0; i <= COMP_CWORD && i < ${#COMP_WORDS[@]}; i++)); do
		w=${COMP_WORDS[i]}
		rest=${line#"${line%%[![:blank:]]*}"}
		if ((i == 0 || ${#rest} != ${#line})); then
			words+=("$w")
		else
			words[${#words[@]}-1]+=$w
		fi
		line=${rest:${#w}}
	done
	((${#words[@]} > 1)) || return 0
	local cur=${words[${#words[@]}-1]}
	local -a args=("${words[@]:1:${#words[@]}-2}")
	[[ $cur == -* ]] && args+=("$cur")
	# The part of cur that readline replaces starts after its last word
	# break: strip the rest from the candidates.
	local tail=$cur c
	for c in '=' ':'; do
		[[ $COMP_WORDBREAKS == *"$c"* ]] && tail=${tail##*"$c"}
	done
	local keep=$((${#cur} - ${#tail}))
	local prog=${words[0]}
	# A tilde typed on the command line stays literal in words[0]: match it.
	# shellcheck disable=SC2088
	[[ $prog == "~/"* ]] && prog=$HOME/${prog:2}
	local out
	out=$(command "$prog" "${args[@]}" --generate-shell-completion 2>/dev/null) || true
	local -a toks=() descs=()
	local tok desc width=0 files=
	while IFS= read -r w; do
		if [[ $w == ":files" ]]; then
			files=1
			continue
		fi
		tok=${w%%:*} desc=
		[[ $w == *:* ]] && desc=${w#*:}
		[[ -n $tok && $tok == "$cur"* ]] || continue
		toks+=("$tok") descs+=("$desc")
		((${#tok} > width)) && width=${#tok}
	done <<<"$out"
	for i in "${!toks[@]}"; do
		tok=${toks[i]:keep}
		# COMP_TYPE 63 is the second TAB, which lists: show descriptions
		# (not next to file names, which bash shows from their last "/").
		if [[ ${COMP_TYPE-} == 63 && -n ${descs[i]} && -z $files ]]; then
			printf -v tok '%-*s  -- %s' "$((width - keep))" "$tok" "${descs[i]}"
		fi
		COMPREPLY+=("$tok")
	done
	if [[ -n $files ]]; then
		# A glob into an array keeps every name whole (compgen -f prints
		# one a line, splitting a name that holds a newline). Only the "*"
		# is a pattern: what was typed is quoted. "~" needs compgen.
		local -a found=()
		if [[ $tail == "~"* ]]; then
			while IFS= read -r w; do
				found+=("$w")
			done < <(compgen -f -- "$tail")
		else
			local ng=0
			shopt -q nullglob && ng=1
			shopt -s nullglob
			found=("$tail"*)
			((ng)) || shopt -u nullglob
		fi
		COMPREPLY+=("${found[@]}")
		compopt -o filenames 2>/dev/null
	fi
	return 0
}
complete -F _crictl_complete crictl
