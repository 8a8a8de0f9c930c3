#compdef @PROG@
compdef @ZFUNC@ @PROG@

# zsh completion for @PROG@: load it after compinit (source <(@PROG@ completion zsh)),
# or install it as _@PROG@ in a directory of $fpath. Nothing typed on the line
# or printed by @PROG@ is evaluated.
@ZFUNC@() {
	local -a opts
	local current=${words[-1]}
	if [[ "$current" == "-"* ]]; then
		opts=("${(@f)$(${words[@]:0:#words[@]-1} ${current} --generate-shell-completion 2>/dev/null)}")
	else
		opts=("${(@f)$(${words[@]:0:#words[@]-1} --generate-shell-completion 2>/dev/null)}")
	fi
	local files=
	if [[ "${opts[-1]}" == "@DIRECTIVE@" ]]; then
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
if [ "$funcstack[1]" = "@ZFUNC@" ]; then
	@ZFUNC@
fi
