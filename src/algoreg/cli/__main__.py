from algoreg.cli import main

main()
