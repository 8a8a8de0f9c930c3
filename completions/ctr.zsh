#compdef ctr
compdef _ctr ctr

# zsh completion for ctr: load it after compinit (source <(ctr completion zsh)),
# or install it as _ctr in a directory of $fpath. Nothing typed on the line
# or printed by ctr is evaluated.
_ctr() {
	local -a opts
	local current=${words[-1]}
	if [[ "$current" == "-"* ]]; then
		opts=("${(@f)$(${words[@]:0:#words[@]-1} ${current} --generate-shell-completion 2>/dev/null)}")
	else
		opts=("${(@f)$(${words[@]:0:#words[@]-1} --generate-shell-completion 2>/dev/null)}")
	fi
	local files=
	if [[ "${opts[-1]}" == ":files" ]]; then
		files=1
		opts=("${(@)opts[1,-2]}")
	fi
	if [[ -n "${opts[1]}" ]]; then
		_describe 'values' opts
	fi
	if [[ -n $files ]]; then
		# --pod-config=FILE: complete the file after "=".
		[[ "$current" == -*=* ]] && compset -P '*='
		_files
	fi
	return 0
}

# Don't run the completion function when being source-ed or eval-ed.
if [ "$funcstack[1]" = "_ctr" ]; then
	_ctr
fi
