from hcctl.cli import main

main()
