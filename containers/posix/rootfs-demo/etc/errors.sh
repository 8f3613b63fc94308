# The shell's own errors (run by /etc/demo.sh as "sh /etc/errors.sh"):
# each line is refused with a message and status 2, or the program's.
echo xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx
echo a a a a a a a a a a a a a a a a
echo "no end
cat notes.txt | | wc
cat notes.txt | upper | upper | upper | wc
cat >
nosuch
echo "errors done"
exit 3
