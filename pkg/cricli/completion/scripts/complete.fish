# fish completion for @PROG@: source it, or install it as
# ~/.config/fish/completions/@PROG@.fish. Nothing typed on the line or printed
# by @PROG@ is evaluated.
function __@PROG@_perform_completion
    set -l args (commandline -opc)
    set -l lastArg (commandline -ct)
    set -l results
    if string match -q -- "-*" $lastArg
        set results ($args[1] $args[2..-1] $lastArg --generate-shell-completion 2> /dev/null)
    else
        set results ($args[1] $args[2..-1] --generate-shell-completion 2> /dev/null)
    end
    for line in $results
        if test "$line" = "@DIRECTIVE@"
            # --pod-config=FILE: complete the file after "=".
            set -l pre ""
            set -l word $lastArg
            if string match -q -- "-*=*" $lastArg
                set pre (string replace -r -- '=.*' '=' $lastArg)
                set word (string replace -r -- '^[^=]*=' '' $lastArg)
            end
            for path in (__fish_complete_path $word)
                printf '%s%s\n' $pre $path
            end
        else if test -n "$line"
            set -l parts (string split -m 1 ":" -- "$line")
            if test (count $parts) -eq 2
                printf "%s\t%s\n" "$parts[1]" "$parts[2]"
            else
                printf "%s\n" "$line"
            end
        end
    end
end

complete -c @PROG@ -e
complete -c @PROG@ -f -a '(__@PROG@_perform_completion)'
